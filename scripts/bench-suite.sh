#!/usr/bin/env bash
# Benchmark of the virtual bench suite (a measurement, not a test): wall
# time at --jobs 1 and at the default, CPU seconds per scenario, max RSS of
# the rig, and how the cost grows with the number of scenarios (the
# suite's features copied 1, 4 and 10 times into a temporary folder).
# Usage: scripts/bench-suite.sh   (from the repository root; builds release first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace -q
rig=target/release/rig
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
measure() { # label, then rig arguments
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$rig" run "$@" --report-dir "$tmp/reports" > "$tmp/out" 2>&1 || true
  read -r wall user sys rss < "$tmp/time"
  local n; n=$(grep -oE '^rig: [0-9]+ scenarios' "$tmp/out" | grep -oE '[0-9]+' || echo 0)
  local summary; summary=$(grep -E '^rig: [0-9]+ scenarios' "$tmp/out" || echo "no summary")
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$n" -v sm="$summary" \
    'BEGIN { printf "%-28s %7.2f s wall  %5.2f s CPU  %6.3f s CPU/scenario  %5.1f MB max RSS  | %s\n", l, w, u+s, (n ? (u+s)/n : 0), r/1024, sm }'
}
echo "RIG_NO_BUILD=1; $(nproc) cores"
export RIG_NO_BUILD=1
measure "the suite, --jobs 1" --jobs 1
measure "the suite, default jobs"
for copies in 4 10; do
  rm -rf "$tmp/features"; mkdir -p "$tmp/features"
  for i in $(seq 1 "$copies"); do
    mkdir -p "$tmp/features/copy$i"
    cp -r features/. "$tmp/features/copy$i/"
  done
  measure "the suite x$copies, default jobs" "$tmp/features"
done
