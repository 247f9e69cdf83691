"""Independent oracle for the BER-TLV code of rig and of vterm: pyemv 1.5.0
(PyPI) encodes the data objects below.
Run: pip install pyemv==1.5.0 && python3 make_tlv_vectors.py > tlv_vectors.txt
Each line: a name and the hex encoding; `prim_*` lines are one primitive
object, `record` a READ RECORD template, `fci` a nested SELECT answer.
"""
from pyemv import tlv

long_value = bytes(range(200))
print("prim_5A", tlv.encode({"5A": bytes.fromhex("6222021234567890128F")}).hex().upper())
print("prim_9F26", tlv.encode({"9F26": bytes.fromhex("F2296AB9717D2AC0")}).hex().upper())
print("prim_long_9F4B", tlv.encode({"9F4B": long_value}).hex().upper())
print("record", tlv.encode({"70": {
    "57": bytes.fromhex("6222021234567890128D29122201234F"),
    "5F20": b"ZHANG/SAN ",
    "5A": bytes.fromhex("6222021234567890128F"),
    "5F24": bytes.fromhex("291231"),
    "8C": bytes.fromhex("9F02069F03069F1A0295055F2A029A039C019F3704"),
}}).hex().upper())
print("fci", tlv.encode({"6F": {
    "84": bytes.fromhex("A000000333010101"),
    "A5": {"50": b"UnionPay Debit", "87": b"\x01", "9F38": bytes.fromhex("9F66049F02069F37045F2A02"),
           "BF0C": {"9F4D": bytes.fromhex("0B0A")}},
}}).hex().upper())
