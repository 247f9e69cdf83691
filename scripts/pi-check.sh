#!/usr/bin/env bash
# The rig on its Raspberry Pi, checked on an x86 machine (the test command
# runs this): cross-builds the workspace for aarch64 (64-bit Raspberry Pi
# OS), plays a slice of features/ (a swipe, a chip, a tap and a payment-code
# sale) with the aarch64 rig and the aarch64 vterm under qemu-user, then
# builds the arm64 Debian package and checks what it holds.
# Needs: rustup's aarch64-unknown-linux-gnu target, Debian's
# gcc-aarch64-linux-gnu and qemu-user-static, and cargo-deb.
set -euo pipefail
cd "$(dirname "$0")/.."
target=aarch64-unknown-linux-gnu
echo "pi-check: cross-building for $target"
cargo build --release --workspace --target "$target"
file "target/$target/release/rig" "target/$target/release/vterm" 2>/dev/null || true
report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
echo "pi-check: playing a slice of features/ with the $target rig and vterm under qemu-user"
# The aarch64 rig must not try to build vterm with the host's cargo.
RIG_NO_BUILD=1 qemu-aarch64-static -L /usr/aarch64-linux-gnu "target/$target/release/rig" run \
  features/swipe_sale.feature:9 features/chip_sale.feature:10 features/chip_sale.feature:27 \
  features/payment_code.feature:9 \
  --bench fixtures/benches/virtual-qemu-aarch64.toml --report-dir "$report"
echo "pi-check: the arm64 Debian package"
cargo deb -p rig --target "$target" --no-build --strip --output "target/debian/"
deb=$(ls -t target/debian/rig_*_arm64.deb | head -1)
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
contents=$(dpkg-deb -c "$deb")
echo "$contents"
for want in ./usr/bin/rig ./usr/bin/vterm ./lib/udev/rules.d/60-rig.rules ./etc/rig/bench.toml \
  ./usr/share/rig/fixtures/terminals/vterm.toml ./usr/share/rig/fixtures/benches/virtual.toml \
  ./usr/share/rig/firmware-images/vterm-1.0.0.fw ./usr/share/rig/features/swipe_sale.feature; do
  if ! grep -q " $want\$" <<<"$contents"; then
    echo "pi-check: $deb lacks $want" >&2
    exit 1
  fi
done
arch=$(dpkg-deb --field "$deb" Architecture)
[ "$arch" = arm64 ] || { echo "pi-check: $deb is for $arch, not arm64" >&2; exit 1; }
echo "pi-check: passed ($deb)"
