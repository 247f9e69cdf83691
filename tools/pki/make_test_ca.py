#!/usr/bin/env python3
"""Makes rig's test certification authority (run once; the output is committed).

TEST KEYS ONLY. The CA key pair signs the test cards' issuer certificates
(EMV Book 2, 5.1 and 6.1); terminals load its public key as a CA public key
(CAPK) by RID and index, the way a TMS downloads it (0800, 60.3 = 370).

    python3 tools/pki/make_test_ca.py fixtures/keys/ca E1 1408

writes <dir>/A000000333-<INDEX>.toml (the public key as terminals load it:
RID, index, modulus, exponent, SHA-1 checksum over RID || index || modulus ||
exponent as EMV Book 2, 11.2.2 says, expiry) and <dir>/A000000333-<INDEX>.key.pem
(the private key, PKCS#8, for the card perso script only).
Needs the PyPI package `cryptography`.
"""
import hashlib
import pathlib
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

RID = "A000000333"  # China UnionPay


def main():
    out, index, bits = pathlib.Path(sys.argv[1]), sys.argv[2].upper(), int(sys.argv[3])
    key = rsa.generate_private_key(public_exponent=3, key_size=bits)
    n = key.public_key().public_numbers().n
    modulus = n.to_bytes(bits // 8, "big").hex().upper()
    exponent = "03"
    checksum = hashlib.sha1(bytes.fromhex(RID + index + modulus + exponent)).hexdigest().upper()
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{RID}-{index}"
    (out / f"{stem}.toml").write_text(
        "# TEST CA PUBLIC KEY of rig's test PKI (tools/pki/make_test_ca.py). Not a scheme key.\n"
        f'rid = "{RID}"\n'
        f'index = "{index}"\n'
        "# EMV Book 2 annex B2.1: hash algorithm 01 = SHA-1, public key algorithm 01 = RSA.\n"
        'hash_algorithm = "01"\n'
        'key_algorithm = "01"\n'
        f'exponent = "{exponent}"\n'
        "# Expiry as YYYYMMDD (the download's DF05).\n"
        'expiry = "20351231"\n'
        "# SHA-1 over RID || index || modulus || exponent (EMV Book 2, 11.2.2).\n"
        f'checksum = "{checksum}"\n'
        f'modulus = "{modulus}"\n'
    )
    (out / f"{stem}.key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


if __name__ == "__main__":
    main()
