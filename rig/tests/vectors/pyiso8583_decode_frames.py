"""Decodes whole host frames of rig's traces with pyiso8583 4.0.1, an
independent ISO 8583 implementation, set up for the dialect of
shared/domain/pos-8583.md: 2-byte big-endian length, then TPDU (5) and
header (6) as pyiso8583's "h", MTI, primary bitmap, fields 2..64.
Numeric fields are BCD: fixed ones right aligned (pad nibble 0 first),
variable ones left aligned (pad nibble 0 last); LL/LLL lengths are BCD.

stdin: one frame a line, hex.
stdout: one JSON object a line: {"h": TPDU+header hex, "t": MTI, "2": ...};
binary fields as upper-case hex; or {"error": "..."}.
"""
import json
import sys

import iso8583

import pyiso8583_spec


SPEC = pyiso8583_spec.spec(11)

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    frame = bytes.fromhex(line)
    try:
        length = int.from_bytes(frame[:2], "big")
        if length != len(frame) - 2:
            raise ValueError(f"length prefix {length}, but {len(frame) - 2} bytes follow")
        decoded, _ = iso8583.decode(bytearray(frame[2:]), SPEC)
        out = {k: (v.upper() if SPEC.get(k, {}).get("data_enc") == "b" else v)
               for k, v in decoded.items() if k not in ("p", "bm")}
    except Exception as e:  # one bad frame must not hide the others
        out = {"error": str(e)}
    print(json.dumps(out), flush=True)
