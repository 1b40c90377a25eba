#!/usr/bin/env bash
# Issue #17's upload throughput: the 1,000 photos of ../shared/data/imagenet-sample
# uploaded over HTTP (POST /v1/collections/{name}/images, 16 photos per
# multipart request, 2 client threads) beside `taxon index` of the same folder,
# both into fresh collections of the same store (GeM, unitsphere), in the same run;
# then search latency (p50, p99) on one collection alone and while 2 clients upload
# (bench/search_under_upload.py; TAXON_BENCH_SEARCH=NAME picks the collection,
# default the one `taxon index` just made).
# Store: .cache/bench.sqlite as make run's (TAXON_BENCH_DB=FILE for another).
# Run via `make bench-upload`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon db=${TAXON_BENCH_DB:-.cache/bench.sqlite} sample=../shared/data/imagenet-sample
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir -p .cache
scripts/default-store.sh "$taxon" "$db" > /dev/null
run=$(date +%s)
data=.cache/upload-bench-data-$run
token=$("$taxon" keys create --name "bench-upload-$run" --scope admin --db "$db")
echo "== taxon index (1,000 photos, a new collection)"
/usr/bin/time -f "%e s wall" "$taxon" index "$sample" --collection "bench-index-$run" --embedding unitsphere --db "$db" | tail -1
port=18717
"$taxon" serve --db "$db" --port $port --data "$data" > .cache/upload-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
python3 bench/upload_photos.py "http://127.0.0.1:$port" "bench-upload-$run" "$token" "$sample"
python3 bench/search_under_upload.py "http://127.0.0.1:$port" "${TAXON_BENCH_SEARCH:-bench-index-$run}" "$db" "bench-busy-$run" "$token" "$sample" 20
kill $server
wait $server 2>/dev/null || true
"$taxon" check --db "$db" --data "$data" | tail -1
