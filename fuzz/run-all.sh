#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) at low priority, all at once, each with its
# seed corpus, and prints how long each ran and whether it crashed. Needs a nightly toolchain
# and cargo-fuzz (`cargo install cargo-fuzz --locked`). Not part of CI.
set -u
cd "$(dirname "$0")"
seconds=${1:-600}
logs=${FUZZ_LOGS:-target/fuzz-logs}
mkdir -p "$logs"
cargo +nightly fuzz build -O || exit 1
targets=$(cargo +nightly fuzz list)
for t in $targets; do
  mkdir -p "corpus/$t"
  nice -n 19 cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$logs/$t.log" 2>&1 &
done
wait
status=0
for t in $targets; do
  runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$logs/$t.log" | tail -1)
  if grep -q 'ERROR: libFuzzer\|panicked at\|SUMMARY: ' "$logs/$t.log"; then
    echo "$t: CRASH (see $logs/$t.log and artifacts/$t)"; status=1
  else
    echo "$t: no crash; ${runs:-no summary}"
  fi
done
exit $status
