#!/usr/bin/env python3
"""Makes a test card's offline data authentication keys (run once per card;
the output is committed, nothing is generated at run time).

TEST KEYS ONLY. For one card file it makes an issuer RSA key pair (1152 bits,
exponent 3) and an ICC key pair (1024 bits, exponent 3), and the issuer
public key certificate signed by rig's test CA (EMV 4.x Book 2, 5.3 and
Table 6, as we read it):

    6A | 02 | issuer identifier (PAN's leftmost 6 digits, F padded, 4 bytes)
       | expiry MMYY | serial (3) | hash algorithm 01 | key algorithm 01
       | issuer key length | exponent length | leftmost N_CA - 36 bytes of
       the issuer modulus | SHA-1 hash | BC

signed (raw RSA, m^d mod n) with the CA's private key; the hash is over
everything from the format byte to the modulus part, then the modulus's
remainder and the exponent. The card's signed static data (93), ICC
certificate (9F46) and dynamic signatures are made by rig from these keys,
because they cover the card's records.

    python3 tools/pki/make_card_pki.py fixtures/keys/ca/A000000333-E1.key.pem E1 \\
        fixtures/cards/unionpay-debit-chip.toml

writes fixtures/cards/pki/<card>.toml. For kernel test cards,
`--cert-expiry MMYY` (an issuer certificate that has expired) and
`--serial XXXXXX` (one a terminal's revocation list names) change the
certificate's defaults (1235, 000001). Needs the PyPI package `cryptography`
(key generation only; the certificate is signed with Python's own pow).
"""
import hashlib
import pathlib
import sys
import tomllib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER_BITS = 1152
ICC_BITS = 1024
CERT_EXPIRY_MMYY = "1235"
SERIAL = "000001"


def hexs(n, length):
    return n.to_bytes(length, "big").hex().upper()


def issuer_certificate(ca, pan, issuer_n, issuer_e, expiry=CERT_EXPIRY_MMYY, serial=SERIAL):
    n_ca = (ca.public_key().public_numbers().n.bit_length() + 7) // 8
    n_i = (issuer_n.bit_length() + 7) // 8
    modulus = issuer_n.to_bytes(n_i, "big")
    exponent = issuer_e.to_bytes(1, "big")
    room = n_ca - 36
    leftmost, remainder = modulus[:room], modulus[room:]
    leftmost = leftmost + b"\xBB" * (room - len(leftmost))
    identifier = bytes.fromhex((pan[:6] + "FF")[:8])
    body = (
        b"\x02"
        + identifier
        + bytes.fromhex(expiry)
        + bytes.fromhex(serial)
        + b"\x01\x01"
        + bytes([n_i, len(exponent)])
        + leftmost
    )
    digest = hashlib.sha1(body + remainder + exponent).digest()
    recovered = b"\x6A" + body + digest + b"\xBC"
    assert len(recovered) == n_ca, (len(recovered), n_ca)
    numbers = ca.private_numbers()
    signed = pow(int.from_bytes(recovered, "big"), numbers.d, numbers.public_numbers.n)
    return signed.to_bytes(n_ca, "big"), remainder


def main():
    ca_pem, index, card_path = sys.argv[1], sys.argv[2].upper(), pathlib.Path(sys.argv[3])
    options = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    expiry = options.get("--cert-expiry", CERT_EXPIRY_MMYY)
    serial = options.get("--serial", SERIAL).upper()
    assert len(expiry) == 4 and len(serial) == 6, "--cert-expiry MMYY, --serial 6 hex digits"
    ca = serialization.load_pem_private_key(pathlib.Path(ca_pem).read_bytes(), password=None)
    card = tomllib.loads(card_path.read_text())
    issuer = rsa.generate_private_key(public_exponent=3, key_size=ISSUER_BITS)
    icc = rsa.generate_private_key(public_exponent=3, key_size=ICC_BITS)
    i_num, c_num = issuer.private_numbers(), icc.private_numbers()
    cert, remainder = issuer_certificate(ca, card["pan"], i_num.public_numbers.n, 3, expiry, serial)
    out = card_path.parent / "pki" / f"{card_path.stem}.toml"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        f"# TEST KEYS ONLY of the card {card_path.name} (tools/pki/make_card_pki.py).\n"
        "# Offline data authentication: the issuer key pair and its certificate\n"
        f"# signed by rig's test CA (RID A000000333, index {index}), the ICC key pair.\n"
        + (f"# Issuer certificate expiry {expiry}, serial {serial}.\n" if (expiry, serial) != (CERT_EXPIRY_MMYY, SERIAL) else "")
        +
        f'ca_index = "{index}"\n\n'
        "[issuer]\n"
        'exponent = "03"\n'
        f'modulus = "{hexs(i_num.public_numbers.n, ISSUER_BITS // 8)}"\n'
        f'private_exponent = "{hexs(i_num.d, ISSUER_BITS // 8)}"\n'
        "# Issuer public key certificate (90) and the modulus's remainder (92).\n"
        f'certificate = "{cert.hex().upper()}"\n'
        f'remainder = "{remainder.hex().upper()}"\n\n'
        "[icc]\n"
        'exponent = "03"\n'
        f'modulus = "{hexs(c_num.public_numbers.n, ICC_BITS // 8)}"\n'
        f'private_exponent = "{hexs(c_num.d, ICC_BITS // 8)}"\n'
    )
    print(out)


if __name__ == "__main__":
    main()
