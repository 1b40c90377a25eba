#!/usr/bin/env bash
# Two taxon binaries serving the same store, one after the other, under the
# same wrk load (bench/search.sh's queries) and the same photo query: for
# figures "beside the old one, in the same run". Rounds alternate A and B.
# Usage: bench/server-compare.sh OLD_TAXON NEW_TAXON STORE [ROUNDS]
# (the store as scripts/default-store.sh builds it; wrk from scripts/setup.sh --wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 db=$3 rounds=${4:-2} port=18091
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
photo=$(ls ../shared/data/imagenet-sample/n02123045_* | head -1)
for round in $(seq "$rounds"); do
  for side in old new; do
    taxon=${!side}
    "$taxon" serve --db "$db" --port $port > /dev/null 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
    for query in "a=dog.n.01&b=cat.n.01&measure=wup" "a=n02084071&b=n02121620&measure=path" "a=dog&b=cat&measure=wup"; do
      line=$(wrk -t1 -c16 -d10s --latency "http://127.0.0.1:$port/v1/similarity?$query" | awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r " req/s, p99 " p}')
      echo "round $round $side  GET /v1/similarity?$query  $line"
    done
    curl -s -o /dev/null "http://127.0.0.1:$port/v1/search?collection=imagenet-sample&k=5" --data-binary "@$photo" -H "Content-Type: image/jpeg"  # loads the collection
    times=$(for _ in $(seq 20); do curl -s -o /dev/null -w "%{time_total}\n" --data-binary "@$photo" -H "Content-Type: image/jpeg" \
      "http://127.0.0.1:$port/v1/search?collection=imagenet-sample&k=5"; done | sort -n | awk '{t[NR]=$1} END {print "min " t[1] " s, median " t[11] " s, max " t[20] " s"}')
    echo "round $round $side  POST /v1/search (photo, semantic-first, k 5), 20 requests one at a time: $times"
    kill $server; wait $server 2>/dev/null || true
  done
done
