"""Independent oracle for rig's crypto unit tests.

Run: pip install psec==1.3.0 pycryptodome && python3 make_crypto_vectors.py
psec (payment security, PyPI) gives KCVs, ISO 9564 format 0 PIN blocks, 3DES
and the X9.19 retail MAC; the UnionPay ECB MAC is composed here from
pycryptodome's DES following pos-8583.md, independently of the Rust code.
"""
from psec import des, pinblock, mac
from Crypto.Cipher import DES

tmk = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
pin_key = bytes.fromhex("1C2B3A4958677685ABBACDDCEFFE1001")
mac_key8 = bytes.fromhex("0A1B2C3D4E5F6071")
print("kcv tmk", des.generate_kcv(tmk, 4).hex().upper())
print("kcv pin_key", des.generate_kcv(pin_key, 4).hex().upper())
print("kcv mac_key8", DES.new(mac_key8, DES.MODE_ECB).encrypt(bytes(8))[:4].hex().upper())
print("wrapped pin_key", des.encrypt_tdes_ecb(tmk, pin_key).hex().upper())
print("wrapped mac_key8", des.encrypt_tdes_ecb(tmk, mac_key8).hex().upper())
pan = "6222021234567890128"
clear = pinblock.encode_pinblock_iso_0("123456", pan)
print("pinblock clear", clear.hex().upper())
print("pinblock enc", des.encrypt_tdes_ecb(pin_key, clear).hex().upper())
data = bytes.fromhex("0200702406C020C09811166222021234567890128000000000000000100000000123")
print("x919", mac.generate_retail_mac(pin_key[:8], pin_key[8:], data, padding=1).hex().upper())
def upecb(key, data):
    data = data + bytes((-len(data)) % 8)
    r = bytes(8)
    for i in range(0, len(data), 8):
        r = bytes(a ^ b for a, b in zip(r, data[i:i+8]))
    h = r.hex().upper().encode()
    c = DES.new(key, DES.MODE_ECB)
    e1 = c.encrypt(h[:8])
    e2 = c.encrypt(bytes(a ^ b for a, b in zip(e1, h[8:])))
    return e2.hex().upper()[:8].encode()
print("upecb", upecb(mac_key8, data).decode())
