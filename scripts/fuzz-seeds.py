#!/usr/bin/env python3
"""Seed inputs for the fuzz targets (rig/fuzz), from a run's traces and the fixtures.

Usage: scripts/fuzz-seeds.py REPORT_RUN_DIR OUT_DIR
Writes OUT_DIR/<target>/<n> files; cargo fuzz then grows and minimises them
into rig/fuzz/corpus/<target>/ (the committed corpora).
"""
import json, pathlib, sys

run, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
seeds = {t: set() for t in ["ber_tlv", "host_frame", "apdu_handler", "vpcd_card_side", "console_line",
                            "config_loaders", "vterm_tlv", "vterm_unpack", "vterm_vpcd_reader"]}
for trace in run.rglob("trace.jsonl"):
    apdus = []
    for line in trace.open():
        e = json.loads(line)
        k = e.get("kind")
        if k == "host-received":
            raw = bytes.fromhex(e["raw"])
            seeds["host_frame"].add(raw[2:])
        elif k == "host-sent":
            raw = bytes.fromhex(e["raw"])
            seeds["vterm_unpack"].add(raw[15:])
            for n, v in e.get("fields", []):
                if n == 55:
                    try:
                        seeds["ber_tlv"].add(bytes.fromhex(v)); seeds["vterm_tlv"].add(bytes.fromhex(v))
                    except ValueError:
                        pass
        elif k == "apdu":
            c, r = bytes.fromhex(e["command"]), bytes.fromhex(e["response"])
            apdus.append((c, r))
            seeds["ber_tlv"].add(r[:-2]); seeds["vterm_tlv"].add(r[:-2])
        elif k in ("display", "print", "console-line", "boot", "cut"):
            seeds["console_line"].add(e["line"].encode())
    if apdus:
        for mode in range(4):
            seeds["apdu_handler"].add(bytes([mode]) + b"".join(bytes([len(c)]) + c for c, _ in apdus if len(c) < 256))
        seeds["vpcd_card_side"].add(b"\x01\x01\x01\x04" + b"".join(bytes([len(c)]) + c for c, _ in apdus if len(c) < 256))
        seeds["vterm_vpcd_reader"].add(b"".join(len(r).to_bytes(2, "big") + r for _, r in apdus))
root = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
for toml in root.rglob("*.toml"):
    seeds["config_loaders"].add(toml.read_bytes())
for target, items in seeds.items():
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    for i, item in enumerate(sorted(items)):
        (d / f"seed-{i:04}").write_bytes(item)
    print(f"{target}: {len(items)} seeds")
