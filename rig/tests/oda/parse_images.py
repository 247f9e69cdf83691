#!/usr/bin/env python3
"""An independent, strict BER-TLV check of card images (ISO/IEC 8825-1 as
EMV Book 3, Annex B uses it), from what the cards answered.

    python3 parse_images.py IMAGES.json

IMAGES.json (written by rig/tests/oda.rs): {"card/interface/command": hex of
the answer's data}. Every answer but GET DATA's must be one constructed
object (template 6F, 70 or 77); every answer parses to the last byte: tags of one
to three bytes, lengths in the short or the long form (81, 82), no value
running past its parent. Nothing of rig is used. Prints what failed; exits 1.
"""
import json
import sys


def parse(data, where):
    """Parses a run of TLV objects filling `data` exactly; returns their tags."""
    tags, i = [], 0
    while i < len(data):
        start = i
        first = data[i]
        i += 1
        if first & 0x1F == 0x1F:
            for _ in range(2):
                if i >= len(data):
                    raise ValueError(f"{where}: tag runs past the end at {start}")
                more = data[i] & 0x80
                i += 1
                if not more:
                    break
            else:
                raise ValueError(f"{where}: a tag longer than 3 bytes at {start}")
        tag = data[start:i].hex().upper()
        if i >= len(data):
            raise ValueError(f"{where}: {tag} has no length")
        length = data[i]
        i += 1
        if length & 0x80:
            n = length & 0x7F
            if n not in (1, 2) or i + n > len(data):
                raise ValueError(f"{where}: {tag} has a bad long-form length")
            length = int.from_bytes(data[i:i + n], "big")
            i += n
        if i + length > len(data):
            raise ValueError(f"{where}: {tag} ({length} bytes) runs past its parent")
        value = data[i:i + length]
        i += length
        tags.append(tag)
        if first & 0x20:
            tags += parse(value, f"{where}/{tag}")
    return tags


def main():
    images = json.load(open(sys.argv[1]))
    failed = 0
    for where, answer in images.items():
        data = bytes.fromhex(answer)
        try:
            # GET DATA answers the one object asked for; the rest a template.
            if "get data" not in where and (not data or data[0] not in (0x6F, 0x70, 0x77)):
                raise ValueError(f"{where}: not a 6F, 70 or 77 template")
            parse(data, where)
        except ValueError as e:
            print("FAIL", e)
            failed += 1
    print(f"{len(images) - failed} of {len(images)} answers are well-formed BER-TLV")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
