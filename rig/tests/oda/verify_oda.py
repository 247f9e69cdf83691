#!/usr/bin/env python3
"""An independent check of a card's offline data authentication, as a
terminal's kernel does it (EMV 4.x Book 2, 5 and 6, as we read them), from
what the card answered and the published CA public key only.

    python3 verify_oda.py SESSION.json CA.toml [--revoked SERIAL]... [--today YYMMDD]

A certificate is valid through the last day of its expiry month (Book 2,
5.3 step 11 and 6.4 step 11: checked against --today, else today's date);
an issuer certificate whose serial is listed with --revoked (under this CA
key) is refused (5.3 step 10). A card whose AIP offers SDA only is checked
for SDA only.

SESSION.json (written by rig/tests/oda.rs from the card's answers, or by
pcsc_terminal.py from a card read over PC/SC):
  {"card": name, "aip": hex, "afl": hex, "records": {"SFI:NUMBER": hex of the
   READ RECORD answer}, "unpredictable_number": hex, "internal_authenticate":
   hex of its answer (DDA), optional: "ddol_data" (hex, the terminal
   dynamic data when the DDOL asks for more than the unpredictable number),
   "cda": {"pdol_data": hex, "cdol1_data": hex, optional
           "unpredictable_number": hex (its 9F37), "generate_ac": hex of the
           answer to a GENERATE AC that asked for CDA},
   "fdda": {"gpo": hex of the qPBOC GPO answer, "9F37", "9F02", "5F2A": the
            terminal's values sent in the PDOL data}}

CDA: Book 2, 6.6 (the ICC dynamic data of Table 22 and its transaction data
hash code over the PDOL data, the CDOL1 data and the answer's objects but
9F4B). fDDA: the qPBOC / qVSDC version 01 layout (9F69 = version, card
unpredictable number, CTQ; the signature over 9F37 || 9F02 || 5F2A || 9F69).

Nothing of rig is used: BER-TLV is parsed here, RSA is Python's own pow,
SHA-1 is hashlib's. Prints one line per check; exits 1 on the first failure.
"""
import datetime
import hashlib
import json
import sys
import tomllib


def tlv(data):
    """BER-TLV to a flat dict (constructed objects are descended into)."""
    out, i = {}, 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):
            i += 1
            continue
        start = i
        first = data[i]
        i += 1
        if first & 0x1F == 0x1F:
            while data[i] & 0x80:
                i += 1
            i += 1
        tag = data[start:i].hex().upper()
        length, i = read_length(data, i)
        value = data[i:i + length]
        i += length
        if first & 0x20:
            out.update(tlv(value))
        else:
            out[tag] = value
    return out


def fail(why):
    print("FAIL", why)
    sys.exit(1)


def recover(signature, modulus, exponent, what):
    if len(signature) != len(modulus):
        fail(f"{what}: {len(signature)} bytes, the key is {len(modulus)}")
    m = pow(int.from_bytes(signature, "big"), int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big"))
    recovered = m.to_bytes(len(modulus), "big")
    if recovered[0] != 0x6A or recovered[-1] != 0xBC:
        fail(f"{what}: recovered data is not 6A ... BC")
    return recovered


def hash_ok(recovered, *vouched):
    digest = hashlib.sha1(recovered[1:-21] + b"".join(vouched)).digest()
    return digest == recovered[-21:-1]


def in_date(mmyy, today):
    """A certificate expiry MMYY is good through the end of that month."""
    mm, yy = int(mmyy[:2]), int(mmyy[2:])
    return (yy, mm) >= (today.year % 100, today.month)


def main():
    session = json.load(open(sys.argv[1]))
    ca = tomllib.load(open(sys.argv[2], "rb"))
    options = sys.argv[3:]
    revoked = {options[i + 1].upper() for i in range(len(options) - 1) if options[i] == "--revoked"}
    today = datetime.date.today()
    if "--today" in options:
        yymmdd = options[options.index("--today") + 1]
        today = datetime.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    name = session["card"]
    records = {k: bytes.fromhex(v) for k, v in session["records"].items()}
    aip = bytes.fromhex(session["aip"])
    afl = bytes.fromhex(session["afl"])
    data = {}
    static = b""
    # The static data to be authenticated: the AFL's signed records (the
    # value inside template 70 of SFI 1-10), then 9F4A's tags' values.
    for i in range(0, len(afl), 4):
        sfi, first, last, signed = afl[i] >> 3, afl[i + 1], afl[i + 2], afl[i + 3]
        for n in range(first, last + 1):
            raw = records[f"{sfi}:{n}"]
            data.update(tlv(raw))
            if n < first + signed:
                if raw[0] != 0x70:
                    fail(f"{name}: record {sfi}:{n} is not a template 70")
                inner = tlv_value(raw)
                static += inner
    if data.get("9F4A", b"").hex().upper() == "82":
        static += aip
    if not aip[0] & 0x40:
        fail(f"{name}: the AIP {aip.hex()} does not offer SDA")
    if data.get("8F") != bytes.fromhex(ca["index"]):
        fail(f"{name}: CA index {data.get('8F')} is not the published key's {ca['index']}")
    ca_n, ca_e = bytes.fromhex(ca["modulus"]), bytes.fromhex(ca["exponent"])

    issuer = recover(data["90"], ca_n, ca_e, "issuer certificate")
    if issuer[1] != 0x02:
        fail(f"{name}: issuer certificate format {issuer[1]:02X}")
    n_i = issuer[13]
    exponent = data["9F32"]
    remainder = data.get("92", b"")
    if not hash_ok(issuer, remainder, exponent):
        fail(f"{name}: issuer certificate hash")
    identifier = issuer[2:6].hex().upper().rstrip("F")
    pan = data["5A"].hex().upper().rstrip("F")
    if not pan.startswith(identifier):
        fail(f"{name}: issuer identifier {identifier} is not the PAN's")
    issuer_n = (issuer[15:-21] + remainder)[:n_i]
    if not in_date(issuer[6:8].hex(), today):
        fail(f"{name}: issuer certificate expired (expiry {issuer[6:8].hex()})")
    if issuer[8:11].hex().upper() in revoked:
        fail(f"{name}: issuer certificate revoked (serial {issuer[8:11].hex().upper()})")
    print(f"ok {name}: issuer key recovered ({n_i * 8} bits)")

    ssad = recover(data["93"], issuer_n, exponent, "signed static data")
    if ssad[1] != 0x03 or not hash_ok(ssad, static):
        fail(f"{name}: SDA: the signed static data does not verify")
    print(f"ok {name}: SDA verifies over {len(static)} bytes of static data")
    if not aip[0] & 0x21:
        print(f"ok {name}: SDA only (the AIP {aip.hex().upper()} offers neither DDA nor CDA)")
        return

    icc = recover(data["9F46"], issuer_n, exponent, "ICC certificate")
    icc_remainder = data.get("9F48", b"")
    icc_exponent = data["9F47"]
    if icc[1] != 0x04 or not hash_ok(icc, icc_remainder, icc_exponent, static):
        fail(f"{name}: the ICC certificate does not verify")
    if icc[2:12].hex().upper().rstrip("F") != pan:
        fail(f"{name}: the ICC certificate's PAN is not the card's")
    if not in_date(icc[12:14].hex(), today):
        fail(f"{name}: ICC certificate expired (expiry {icc[12:14].hex()})")
    n_ic = icc[19]
    icc_n = (icc[21:-21] + icc_remainder)[:n_ic]
    print(f"ok {name}: ICC key recovered ({n_ic * 8} bits)")

    if "internal_authenticate" in session:
        answer = bytes.fromhex(session["internal_authenticate"])
        sdad = recover(tlv(answer)["9F4B"], icc_n, icc_exponent, "signed dynamic data")
        # The terminal dynamic data: the DDOL data (the default DDOL 9F3704
        # makes it the unpredictable number).
        ddol_data = bytes.fromhex(session.get("ddol_data") or session["unpredictable_number"])
        if sdad[1] != 0x05 or not hash_ok(sdad, ddol_data):
            fail(f"{name}: DDA: the signed dynamic data does not verify")
        print(f"ok {name}: DDA verifies")
    if "cda" in session:
        verify_cda(name, session["cda"], aip, icc_n, icc_exponent)
    if "fdda" in session:
        verify_fdda(name, session["fdda"], icc_n, icc_exponent)


def dynamic_data(sdad):
    """The ICC dynamic data of recovered signed dynamic data (Table 17)."""
    length = sdad[3]
    return sdad[4:4 + length]


def verify_cda(name, cda, aip, icc_n, icc_exponent):
    if not aip[0] & 0x01:
        fail(f"{name}: CDA: the AIP {aip.hex()} does not offer CDA")
    answer = bytes.fromhex(cda["generate_ac"])
    items = top_level(answer)
    values = dict(items)
    if "9F26" in values:
        fail(f"{name}: CDA: the cryptogram travels in clear (9F26)")
    cdol1 = bytes.fromhex(cda["cdol1_data"])
    # The unpredictable number is the CDOL1's 9F37: given, or the last 4
    # bytes of rig/tests/oda.rs's CDOL1 data.
    un = bytes.fromhex(cda["unpredictable_number"]) if "unpredictable_number" in cda else cdol1[-4:]
    sdad = recover(values["9F4B"], icc_n, icc_exponent, "CDA signed dynamic data")
    if sdad[1] != 0x05 or not hash_ok(sdad, un):
        fail(f"{name}: CDA: the signed dynamic data does not verify")
    icc = dynamic_data(sdad)
    n = icc[0]
    cid, ac, tdhc = icc[1 + n], icc[2 + n:10 + n], icc[10 + n:30 + n]
    if bytes([cid]) != values["9F27"]:
        fail(f"{name}: CDA: the signed CID {cid:02X} is not 9F27 {values['9F27'].hex()}")
    covered = bytes.fromhex(cda["pdol_data"]) + cdol1
    covered += b"".join(raw for tag, raw in raw_items(answer) if tag != "9F4B")
    if hashlib.sha1(covered).digest() != tdhc:
        fail(f"{name}: CDA: the transaction data hash code does not match")
    print(f"ok {name}: CDA verifies (CID {cid:02X}, cryptogram {ac.hex().upper()})")


def verify_fdda(name, fdda, icc_n, icc_exponent):
    gpo = dict(top_level(bytes.fromhex(fdda["gpo"])))
    related = gpo.get("9F69")
    if related is None or related[0] != 0x01:
        fail(f"{name}: fDDA: no version 01 card authentication related data (9F69)")
    if related[5:7] != gpo["9F6C"]:
        fail(f"{name}: fDDA: 9F69's CTQ {related[5:7].hex()} is not 9F6C")
    sdad = recover(gpo["9F4B"], icc_n, icc_exponent, "fDDA signed dynamic data")
    terminal = b"".join(bytes.fromhex(fdda[t]) for t in ("9F37", "9F02", "5F2A")) + related
    if sdad[1] != 0x05 or not hash_ok(sdad, terminal):
        fail(f"{name}: fDDA: the signed dynamic data does not verify")
    print(f"ok {name}: fDDA verifies")


def raw_items(answer):
    """The objects inside a template 77 answer, each as (tag, its whole TLV bytes)."""
    length, i = read_length(answer, 1)
    body, out, j = answer[i:i + length], [], 0
    while j < len(body):
        start = j
        j += 1
        if body[start] & 0x1F == 0x1F:
            while body[j] & 0x80:
                j += 1
            j += 1
        tag = body[start:j].hex().upper()
        n, j = read_length(body, j)
        j += n
        out.append((tag, body[start:j]))
    return out


def top_level(answer):
    """(tag, value) of the objects inside a template 77 answer."""
    items = []
    for tag, raw in raw_items(answer):
        i = len(tag) // 2
        n, i = read_length(raw, i)
        items.append((tag, raw[i:i + n]))
    return items


def read_length(data, i):
    """A BER length at `i`: the length and where the value starts."""
    length = data[i]
    i += 1
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[i:i + n], "big")
        i += n
    return length, i


def tlv_value(raw):
    """The value of the one TLV object in `raw` (a record's template 70)."""
    length, i = read_length(raw, 1)
    return raw[i:i + length]


if __name__ == "__main__":
    main()
