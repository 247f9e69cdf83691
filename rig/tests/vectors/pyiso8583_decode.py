"""Decodes ISO 8583 messages of the UnionPay POS dialect with pyiso8583 4.0.1,
an independent implementation, for rig's cross-check test.

stdin: one message a line, hex (MTI to last field, no TPDU/header).
stdout: one JSON object a line: {"t": MTI, "2": "...", ...}; binary fields as hex.
The spec is pyiso8583_spec.py's (that of the dialect): fixed numerics pad on
the left, variable ones on the right.
"""
import json
import sys

import iso8583

import pyiso8583_spec


SPEC = pyiso8583_spec.spec(0)

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    decoded, _ = iso8583.decode(bytearray.fromhex(line), SPEC)
    out = {k: v for k, v in decoded.items() if k not in ("h", "p", "bm")}
    print(json.dumps(out), flush=True)
