#!/usr/bin/env bash
# Soak: the whole suite N times in a row (default 20) at the default
# concurrency; every failure is listed, and the script exits 1 if any run failed.
# Usage: scripts/soak.sh [N]   (from the repository root; builds release first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
cargo build --release --workspace -q
export RIG_NO_BUILD=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for i in $(seq 1 "$runs"); do
  if target/release/rig run --report-dir "$tmp/reports" > "$tmp/out" 2>&1; then
    echo "run $i: $(grep -E '^rig: [0-9]+ scenarios' "$tmp/out")"
  else
    failed=$((failed + 1))
    echo "run $i FAILED: $(grep -E '^rig: [0-9]+ scenarios' "$tmp/out" || echo 'no summary')"
    grep -E '^  (terminal failure|feature mistake|bench fault):' "$tmp/out" || tail -5 "$tmp/out"
  fi
done
echo "soak: $((runs - failed)) of $runs runs green"
[ "$failed" -eq 0 ]
