"""The pyiso8583 4.0.1 spec of the dialect of shared/domain/pos-8583.md,
shared by rig's cross-check scripts (pyiso8583_decode.py for messages,
pyiso8583_decode_frames.py for whole frames of a trace).

Numeric fields are BCD: fixed ones right aligned (pad nibble 0 first),
variable ones left aligned (pad nibble 0 last); LL/LLL lengths are BCD.
"""


def n(max_len, len_type=0):
    pad = {"right_pad": "0"} if len_type else {"left_pad": "0"}
    return {"data_enc": "b", "len_enc": "bcd", "len_type": len_type, "max_len": max_len,
            "len_count": "nibbles", "desc": "", **pad}


def a(max_len, len_type=0):
    return {"data_enc": "ascii", "len_enc": "bcd", "len_type": len_type, "max_len": max_len,
            "len_count": "bytes", "desc": ""}


def b(max_len, len_type=0):
    return {"data_enc": "b", "len_enc": "bcd", "len_type": len_type, "max_len": max_len,
            "len_count": "bytes", "desc": ""}


def spec(header_bytes):
    """The field spec, with `header_bytes` before the MTI as pyiso8583's "h"."""
    return {
    "h": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": header_bytes, "desc": "TPDU + header", "len_count": "bytes"},
    "t": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": 2, "desc": "MTI", "len_count": "bytes"},
    "p": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": 8, "desc": "bitmap", "len_count": "bytes"},
    "1": b(8),
    "2": n(19, 1), "3": n(6), "4": n(12), "11": n(6), "12": n(6), "13": n(4), "14": n(4), "15": n(4),
    "22": n(3), "23": n(3), "25": n(2), "26": n(2), "32": n(11, 1), "35": n(37, 1), "36": n(104, 2),
    "37": a(12), "38": a(6), "39": a(2), "41": a(8), "42": a(15), "44": a(25, 1), "48": n(322, 2),
    "49": a(3), "52": b(8), "53": n(16), "54": a(20, 2), "55": b(255, 2), "60": n(17, 2), "61": n(29, 2),
    "62": b(512, 2), "63": a(163, 2), "64": b(8),
}

