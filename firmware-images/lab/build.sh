#!/usr/bin/env bash
# Builds example.elf and example.hex with Debian's binutils-arm-none-eabi.
# Usage: build.sh [OUT_DIR]   (default: this folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
arm-none-eabi-as -o "$out/example.o" "$here/example.s"
arm-none-eabi-ld -T "$here/example.ld" -o "$out/example.elf" "$out/example.o"
arm-none-eabi-objcopy -O ihex "$out/example.elf" "$out/example.hex"
rm -f "$out/example.o"
