#!/usr/bin/env bash
# Runs every fuzz target (rig/fuzz) for 10 M executions or MAX seconds,
# whichever comes first, from its committed corpus and any seed folders,
# without a sanitizer (-s none: the parsers are safe Rust; ASan only slowed
# them and its quarantine of freed memory, 256 MB by default, was the
# "growing" peak RSS once measured for apdu_handler),
# with debug assertions (-a: an arithmetic overflow is a crash, as in the
# test command's debug replay of the corpora), then minimises the corpus
# in place. Needs nightly and cargo-fuzz.
# Usage: scripts/fuzz-all.sh [MAX_SECONDS] [SEED_ROOT]   (figures: /tmp/fuzz/<target>.log)
set -uo pipefail
cd "$(dirname "$0")/../rig/fuzz"
max=${1:-3600}
seeds=${2:-}
mkdir -p /tmp/fuzz
for t in $(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | grep -v rig-fuzz); do
  mkdir -p "corpus/$t"
  extra=()
  [ -n "$seeds" ] && [ -d "$seeds/$t" ] && extra=("$seeds/$t")
  start=$(date +%s)
  cargo +nightly fuzz run -O -a -s none "$t" "corpus/$t" "${extra[@]}" -- \
    -runs=10000000 -max_total_time="$max" -rss_limit_mb=512 -print_final_stats=1 > "/tmp/fuzz/$t.log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "/tmp/fuzz/$t.log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "/tmp/fuzz/$t.log" | tail -1)
  cargo +nightly fuzz cmin -O -a -s none "$t" "corpus/$t" > "/tmp/fuzz/$t.cmin.log" 2>&1
  files=$(ls "corpus/$t" | wc -l)
  echo "$t: exit $rc, ${execs:-?} executions in ${secs} s, peak RSS ${rss:-?} MB, corpus $files files"
done
