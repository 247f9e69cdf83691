#!/usr/bin/env python3
"""An independent check of a card's offline data authentication, as a
terminal's kernel does it (EMV 4.x Book 2, 5 and 6, as we read them), from
what the card answered and the published CA public key only.

    python3 verify_oda.py SESSION.json CA.toml

SESSION.json (written by rig/tests/oda.rs from the card's answers):
  {"card": name, "aip": hex, "afl": hex, "records": {"SFI:NUMBER": hex of the
   READ RECORD answer}, "unpredictable_number": hex, "internal_authenticate":
   hex of its answer}

Nothing of rig is used: BER-TLV is parsed here, RSA is Python's own pow,
SHA-1 is hashlib's. Prints one line per check; exits 1 on the first failure.
"""
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


def main():
    session = json.load(open(sys.argv[1]))
    ca = tomllib.load(open(sys.argv[2], "rb"))
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
    print(f"ok {name}: issuer key recovered ({n_i * 8} bits)")

    ssad = recover(data["93"], issuer_n, exponent, "signed static data")
    if ssad[1] != 0x03 or not hash_ok(ssad, static):
        fail(f"{name}: SDA: the signed static data does not verify")
    print(f"ok {name}: SDA verifies over {len(static)} bytes of static data")

    icc = recover(data["9F46"], issuer_n, exponent, "ICC certificate")
    icc_remainder = data.get("9F48", b"")
    icc_exponent = data["9F47"]
    if icc[1] != 0x04 or not hash_ok(icc, icc_remainder, icc_exponent, static):
        fail(f"{name}: the ICC certificate does not verify")
    if icc[2:12].hex().upper().rstrip("F") != pan:
        fail(f"{name}: the ICC certificate's PAN is not the card's")
    n_ic = icc[19]
    icc_n = (icc[21:-21] + icc_remainder)[:n_ic]
    print(f"ok {name}: ICC key recovered ({n_ic * 8} bits)")

    answer = bytes.fromhex(session["internal_authenticate"])
    sdad = recover(tlv(answer)["9F4B"], icc_n, icc_exponent, "signed dynamic data")
    un = bytes.fromhex(session["unpredictable_number"])
    if sdad[1] != 0x05 or not hash_ok(sdad, un):
        fail(f"{name}: DDA: the signed dynamic data does not verify")
    print(f"ok {name}: DDA verifies")


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
