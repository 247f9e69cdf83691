"""Independent oracle for rig's EMV cryptogram tests: pyemv 1.5.0 (PyPI),
with pycryptodome and psec for the PBOC session key variant.

Option A ICC master key (UDK) derivation, common session key, ARQC as
ISO 9797-1 MAC algorithm 3 with method 2 (0x80) padding, ARPC method 1.
Run: pip install pyemv==1.5.0 psec==1.3.0 pycryptodome && python3 make_emv_vectors.py
Session keys get odd parity, as pyemv's derivations give them.
"""
from pyemv import kd, ac, sm
from Crypto.Cipher import DES3
from psec.des import adjust_key_parity

imk = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
# emv.md's public vector.
print("udk_emv_md", kd.derive_icc_mk_a(imk, "99012345678901234", "45").hex().upper())

pan, psn = "6222021234567890128", "01"
udk = kd.derive_icc_mk_a(imk, pan, psn)
print("udk", udk.hex().upper())
atc = bytes.fromhex("0001")
# emv.md's session key (the PBOC variant): E(00..00 || ATC) || E(00..00 || ATC xor FFFF),
# composed here over pycryptodome's 3DES; the EMV common session key from pyemv.
c = DES3.new(udk, DES3.MODE_ECB)
sk = adjust_key_parity(c.encrypt(bytes(6) + atc) + c.encrypt(bytes(6) + bytes(b ^ 0xFF for b in atc)))
print("sk_pboc", sk.hex().upper())
print("sk_emv_common", kd.derive_common_sk(udk, atc + bytes(6)).hex().upper())
# 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36 CVR(9F10 bytes 4..8)
data = bytes.fromhex("000000010000" "000000000000" "0156" "0000000000" "0156" "261124" "00" "12345678" "7C00" "0001" "03A0A000")
print("arqc_data", data.hex().upper())
arqc = ac.generate_ac(sk, data, padding_type=ac.PaddingType.EMV)
print("arqc", arqc.hex().upper())
arpc = ac.generate_arpc_1(sk, arqc, bytes.fromhex("3030"))
print("arpc", arpc.hex().upper())

# The card model's first GENERATE AC (rig/src/card): same card and terminal
# data, AIP 7C00, ATC 0001, its 9F10 CVR 03 A0 10 00 (ARQC at the first
# GENERATE AC, the second not yet asked for; a new card: no online ATC yet).
card_data = bytes.fromhex("000000010000" "000000000000" "0156" "0000000000" "0156" "261124" "00" "12345678" "7C00" "0001" "03A01000")
card_arqc = ac.generate_ac(sk, card_data, padding_type=ac.PaddingType.EMV)
print("card_arqc", card_arqc.hex().upper())
print("card_arpc", ac.generate_arpc_1(sk, card_arqc, bytes.fromhex("3030")).hex().upper())

# The card model's second GENERATE AC (EMV Book 2, 8.1; emv.md): the same MAC
# under the same SK over the data elements as CDOL2 now gives them (here TVR
# 0000008000: online PIN entered; a new unpredictable number 87654321), AIP,
# ATC (not incremented), and the CVR after the online step: 03 60 10 00 for
# a TC (approved, issuer authenticated), 03 28 10 00 for an AAC after the
# issuer's ARPC failed (second AAC, first ARQC, issuer authentication failed).
tc_data = bytes.fromhex("000000010000" "000000000000" "0156" "0000008000" "0156" "261124" "00" "87654321" "7C00" "0001" "03601000")
print("card_tc", ac.generate_ac(sk, tc_data, padding_type=ac.PaddingType.EMV).hex().upper())
aac_data = bytes.fromhex("000000010000" "000000000000" "0156" "0000008000" "0156" "261124" "00" "87654321" "7C00" "0001" "03281000")
print("card_aac", ac.generate_ac(sk, aac_data, padding_type=ac.PaddingType.EMV).hex().upper())

# Issuer script MACs (EMV Book 2, 9.2.1): pyemv's generate_command_mac, 4
# bytes, under the script integrity session key of ATC 0001 (the SMI master
# key is the IMK on these test cards; the PBOC session key as above), over
# header (Lc counting the MAC) || ATC || ARQC (card_arqc) || plain data.
for name, header, data in [
    ("script_mac_pin_unblock", "8424000004", ""),
    ("script_mac_put_data", "84DA9F5808", "00000005"),
]:
    command = bytes.fromhex(header) + atc + card_arqc + bytes.fromhex(data)
    print(name, sm.generate_command_mac(sk, command, length=4).hex().upper())

# PIN change (84 24 00 02): the new PIN 654321 as an ISO 9564 format 2 block,
# enciphered for confidentiality (pyemv's encrypt_command_data, EMV type:
# method 2 padding, 3DES CBC) under the confidentiality session key (the IMK
# as the SMC master key, the PBOC session key of ATC 0001), then its MAC.
pin_block = sm.format_iso9564_2_pin_block("654321")
enciphered = sm.encrypt_command_data(sk, pin_block, sm.EncryptionType.EMV)
print("script_pin_change_enciphered", enciphered.hex().upper())
header = bytes.fromhex("84240002") + bytes([len(enciphered) + 4])
print("script_mac_pin_change", sm.generate_command_mac(sk, header + atc + card_arqc + enciphered, length=4).hex().upper())
