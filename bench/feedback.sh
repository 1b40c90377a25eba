#!/usr/bin/env bash
# Issue #16's measurements on ../shared/data/tiny-imagenet-val (10,100 photos,
# 202 ILSVRC classes, 50 each; labels = the folder names): the feedback
# simulation protocol for every strategy and user, then the query route's
# latency (one query with feedback, a batch of 100, filtered vs unfiltered)
# against a running `taxon serve`. Store: .cache/bench.sqlite as make run's
# (scripts/default-store.sh) plus the collection tiny (GeM, unitsphere).
# Run via `make bench-feedback`; TAXON_BENCH_DB=FILE uses another store.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon db=${TAXON_BENCH_DB:-.cache/bench.sqlite} data=../shared/data/tiny-imagenet-val
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir -p .cache
scripts/default-store.sh "$taxon" "$db" > /dev/null
"$taxon" index "$data" --collection tiny --embedding unitsphere --db "$db" | tail -1
labels=.cache/tiny-labels.txt
(cd "$data" && for d in n*; do for f in "$d"/*; do echo "$f $d"; done; done) > "$labels"

feedback() {  # label, then eval feedback arguments: the round-3 and round-10 rows
  local label=$1; shift
  "$taxon" eval feedback --db "$db" --collection tiny --labels "$labels" --queries 1000 --seed 1 --rounds 10 --json "$@" |
    python3 -c 'import json, sys
r = json.load(sys.stdin)
for row in r["rounds"]:
    if row["round"] in (0, 3, 10):
        b = row["baseline"]
        print("| %s | %d | %.4f | %.4f | %.2f× | %.4f | %.4f | %+.4f |" % (sys.argv[1], row["round"], row["mean_average_precision"],
              b["mean_average_precision"], row["mean_average_precision"] / b["mean_average_precision"], row["mean_ahp"], b["mean_ahp"],
              row["mean_ahp"] - b["mean_ahp"]))' "$label"
}
echo "| strategy, user (first ranking) | round | mAP | baseline mAP | ratio | mAHP@250 | baseline mAHP@250 | difference |"
echo "|---|---|---|---|---|---|---|---|"
feedback "learned, ideal" --strategy learned --report .cache/feedback-report
feedback "learned, lazy" --strategy learned --user lazy
feedback "learned, mistaken 10 %" --strategy learned --user mistaken --mistake-rate 0.1
feedback "rocchio α 1 β 0.75 γ 0.15, ideal" --strategy rocchio
feedback "rocchio α 1 β 1 γ 0.5, ideal" --strategy rocchio --beta 1 --gamma 0.5
feedback "average γ 0.5, ideal" --strategy average
feedback "average γ 0.5, ideal (blend 0.5)" --strategy average --ranking blend --ranking-alpha 0.5
feedback "best-score γ 0.5, ideal" --strategy best-score
feedback "generalise, ideal" --strategy generalise
feedback "learned, ideal (blend 0.5 first)" --strategy learned --ranking blend --ranking-alpha 0.5

echo "== the query route's latency (taxon serve, 10,100 photos)"
port=18716
"$taxon" serve --db "$db" --port $port > .cache/feedback-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
python3 bench/query_latency.py "http://127.0.0.1:$port" tiny "$db"
