#!/usr/bin/env python3
"""An independent terminal reading a card over PC/SC (pcscd, here with
vsmartcard's vpcd driver) with pyscard, the way an EMV kernel reads one, and
writing down what the card answered for verify_oda.py.

    python3 pcsc_terminal.py READER SESSION.json [--tap]

Contact (the default): SELECT the PSE (1PAY.SYS.DDF01) and read its
directory, SELECT the first application it lists, GET PROCESSING OPTIONS
with the card's PDOL filled in, READ RECORD of everything the AFL lists,
INTERNAL AUTHENTICATE over the card's DDOL (or the default DDOL 9F3704),
and, when the AIP offers CDA, GENERATE AC for an ARQC with CDA over the
card's CDOL1. --tap: SELECT the PPSE (2PAY.SYS.DDF01), the first
application in its FCI, a qPBOC GPO on an offline-capable reader (TTQ
26000000), the records.

T=0 is spoken as ISO/IEC 7816-4 says (EMV Book 1, 9.3.1): 61xx is followed
by GET RESPONSE, 6Cxx by the same command with the length the card gave.
DOL data is built as EMV Book 3, 5.4 says: a terminal object the DOL names
is cut or padded to the length asked (numeric ones on the left), an object
the terminal does not know is zeros. Nothing of rig is used: BER-TLV is
parsed here. Prints one line per exchange to stderr; exits 1 with the
reason when the card cannot be read.
"""
import json
import os
import sys

from smartcard.CardConnection import CardConnection
from smartcard.System import readers

# The BER length reader of the verifier beside this file (also not rig's).
from verify_oda import read_length

# The terminal's objects (EMV Book 3 Annex A; PBOC 3.0 part 5): a
# 100.00 yuan purchase in China on 2026-11-24.
TERMINAL = {
    "9F66": "26000000",  # TTQ: qPBOC, offline-capable, online PIN, signature
    "9F02": "000000010000",
    "9F03": "000000000000",
    "9F1A": "0156",
    "95": "0000000000",
    "5F2A": "0156",
    "9A": "261124",
    "9C": "00",
    "9F35": "22",
    "9F33": "E0F8C8",
    "9F40": "6000F0A001",
    "9F21": "120000",
    "9F7A": "00",
}
# Format n: cut and padded on the left (Book 3, 5.4).
NUMERIC = {"9F02", "9F03", "9F1A", "5F2A", "9A", "9C", "9F21", "9F35"}


def log(*what):
    print(*what, file=sys.stderr)


def fail(why):
    print("FAIL", why)
    sys.exit(1)


class Terminal:
    def __init__(self, connection):
        self.connection = connection
        self.get_responses = 0

    def send(self, apdu, what):
        data, sw1, sw2 = self.connection.transmit(list(apdu))
        if sw1 == 0x6C:
            # Wrong Le: the same command with the length the card gave.
            data, sw1, sw2 = self.connection.transmit(list(apdu[:-1]) + [sw2])
        while sw1 == 0x61:
            self.get_responses += 1
            more, sw1, sw2 = self.connection.transmit([0x00, 0xC0, 0x00, 0x00, sw2])
            data = data + more
        log(f"{what}: {bytes(apdu).hex().upper()} -> {bytes(data).hex().upper()} {sw1:02X}{sw2:02X}")
        return bytes(data), (sw1 << 8) | sw2

    def expect(self, apdu, what):
        data, sw = self.send(apdu, what)
        if sw != 0x9000:
            fail(f"{what}: the card answered {sw:04X}")
        return data


def command(cla, ins, p1, p2, data=b"", le=True):
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le:
        apdu += b"\x00"
    return apdu


def parse(data):
    """BER-TLV to (tag, value) pairs, constructed objects descended into."""
    out, i = [], 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):
            i += 1
            continue
        start = i
        i += 1
        if data[start] & 0x1F == 0x1F:
            while data[i] & 0x80:
                i += 1
            i += 1
        tag = data[start:i].hex().upper()
        length, i = read_length(data, i)
        value = data[i:i + length]
        i += length
        out.append((tag, value))
        if data[start] & 0x20:
            out.extend(parse(value))
    return out


def find(data, tag):
    return next((v for t, v in parse(data) if t == tag), None)


def dol_entries(dol):
    """A DOL's (tag, length) entries."""
    out, i = [], 0
    while i < len(dol):
        start = i
        i += 1
        if dol[start] & 0x1F == 0x1F:
            while dol[i] & 0x80:
                i += 1
            i += 1
        out.append((dol[start:i].hex().upper(), dol[i]))
        i += 1
    return out


def dol_data(dol, values):
    out = b""
    for tag, length in dol_entries(dol):
        value = bytes.fromhex(values[tag]) if tag in values else b""
        if len(value) > length:
            value = value[-length:] if tag in NUMERIC else value[:length]
        elif tag in NUMERIC:
            value = bytes(length - len(value)) + value
        else:
            value = value + bytes(length - len(value))
        out += value
    return out


def needed(data, tag, why):
    """The value of `tag` in `data`, or the reason the card cannot be read."""
    value = find(data, tag)
    if value is None:
        fail(why)
    return value


def first_application_contact(terminal):
    fci = terminal.expect(command(0x00, 0xA4, 0x04, 0x00, b"1PAY.SYS.DDF01"), "SELECT PSE")
    sfi = needed(fci, "88", "the PSE's FCI names no directory SFI (88)")
    record = terminal.expect(command(0x00, 0xB2, 0x01, (sfi[0] << 3) | 4), "READ RECORD directory")
    return needed(record, "4F", "the PSE directory lists no application (4F)")


def first_application_contactless(terminal):
    fci = terminal.expect(command(0x00, 0xA4, 0x04, 0x00, b"2PAY.SYS.DDF01"), "SELECT PPSE")
    return needed(fci, "4F", "the PPSE's FCI lists no application (4F)")


def main():
    name, out, tap = sys.argv[1], sys.argv[2], "--tap" in sys.argv[3:]
    reader = next((r for r in readers() if str(r) == name), None)
    if reader is None:
        fail(f"no reader {name!r}: pcscd lists {[str(r) for r in readers()]}")
    connection = reader.createConnection()
    connection.connect()
    protocol = {CardConnection.T0_protocol: "T=0", CardConnection.T1_protocol: "T=1"}.get(
        connection.getProtocol(), str(connection.getProtocol()))
    terminal = Terminal(connection)
    values = dict(TERMINAL)
    values["9F37"] = os.urandom(4).hex().upper()

    aid = first_application_contactless(terminal) if tap else first_application_contact(terminal)
    fci = terminal.expect(command(0x00, 0xA4, 0x04, 0x00, aid), "SELECT application")
    pdol = find(fci, "9F38") or b""
    pdol_data = dol_data(pdol, values)
    gpo = terminal.expect(command(0x80, 0xA8, 0x00, 0x00, b"\x83" + bytes([len(pdol_data)]) + pdol_data), "GPO")
    if gpo[0] == 0x80:
        body = gpo[2:]
        aip, afl = body[:2], body[2:]
    else:
        aip, afl = find(gpo, "82"), find(gpo, "94")
    if aip is None or afl is None:
        fail("the GPO answer has no AIP or no AFL")
    records, data = {}, {}
    for i in range(0, len(afl), 4):
        sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
        for n in range(first, last + 1):
            record = terminal.expect(command(0x00, 0xB2, n, (sfi << 3) | 4), f"READ RECORD {sfi}:{n}")
            records[f"{sfi}:{n}"] = record.hex().upper()
            data.update(parse(record))
    session = {
        "card": aid.hex().upper(),
        "protocol": protocol,
        "aip": aip.hex().upper(),
        "afl": afl.hex().upper(),
        "records": records,
    }
    if tap:
        session["fdda"] = {"gpo": gpo.hex().upper(), **{t: values[t] for t in ("9F37", "9F02", "5F2A")}}
    else:
        ddol = data.get("9F49", bytes.fromhex("9F3704"))
        ddol_data = dol_data(ddol, values)
        answer = terminal.expect(command(0x00, 0x88, 0x00, 0x00, ddol_data), "INTERNAL AUTHENTICATE")
        session["ddol_data"] = ddol_data.hex().upper()
        session["internal_authenticate"] = answer.hex().upper()
        if aip[0] & 0x01 and "8C" in data:
            cdol1_data = dol_data(data["8C"], values)
            answer = terminal.expect(command(0x80, 0xAE, 0x90, 0x00, cdol1_data), "GENERATE AC (ARQC, CDA)")
            session["cda"] = {
                "pdol_data": pdol_data.hex().upper(),
                "cdol1_data": cdol1_data.hex().upper(),
                "unpredictable_number": values["9F37"],
                "generate_ac": answer.hex().upper(),
            }
    session["get_responses"] = terminal.get_responses
    with open(out, "w") as f:
        json.dump(session, f)
    print(f"ok read {aid.hex().upper()} over {protocol}: {len(records)} records, "
          f"{terminal.get_responses} GET RESPONSE")


if __name__ == "__main__":
    main()
