#!/usr/bin/env bash
# Issue #18's page timing: Enter to the first result grid on a 10k-photo
# collection (../shared/data/tiny-imagenet-val, 10,100 photos), in headless
# Chromium through the page's Performance API marks, beside the API query alone
# in the same run (bench/page_timing.py). Store: .cache/bench.sqlite as make
# run's plus the collection tiny (TAXON_BENCH_DB=FILE for another);
# TAXON_BENCH_SCREENSHOT=FILE also saves a screenshot of a search.
# Run via `make bench-web`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon db=${TAXON_BENCH_DB:-.cache/bench.sqlite} data=../shared/data/tiny-imagenet-val
echo "machine: $(nproc) cores, $(uname -m), $(chromium --version 2>/dev/null | head -1), $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir -p .cache
scripts/default-store.sh "$taxon" "$db" > /dev/null
"$taxon" index "$data" --collection tiny --embedding unitsphere --db "$db" | tail -1
port=18718
"$taxon" serve --db "$db" --port $port > .cache/web-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
python3 bench/page_timing.py "http://127.0.0.1:$port" tiny ${TAXON_BENCH_SCREENSHOT:+--screenshot "$TAXON_BENCH_SCREENSHOT"}
