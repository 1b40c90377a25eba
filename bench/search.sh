#!/usr/bin/env bash
# Issue #8's figures: exact k-NN over synthetic vectors (taxon bench search),
# then taxon serve under wrk on loopback — both on this machine's 2 cores,
# which the server shares with wrk. Run via `make bench-search` (which has
# scripts/setup.sh install wrk). The served store is .cache/bench.sqlite,
# built like make run's (scripts/default-store.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon db=.cache/bench.sqlite port=18089
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
"$taxon" bench search --vectors 100000 --dims 256 --queries 50
"$taxon" bench search --vectors 1000000 --dims 256 --queries 50

mkdir -p .cache
scripts/default-store.sh "$taxon" "$db" > /dev/null
"$taxon" serve --db "$db" --port $port > /dev/null &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
url="http://127.0.0.1:$port/v1/similarity"
curl -sf "$url?a=dog.n.01&b=cat.n.01&measure=wup"; echo
for query in "a=dog.n.01&b=cat.n.01&measure=wup" "a=n02084071&b=n02121620&measure=path"; do
  echo "== wrk -t1 -c16 -d10s --latency $url?$query"
  wrk -t1 -c16 -d10s --latency "$url?$query" | grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx"
done
photo=$(ls ../shared/data/imagenet-sample/n02123045_* 2>/dev/null | head -1)
if [[ -n $photo ]]; then
  echo "== one photo query (POST /v1/search, semantic-first, k 5), whole request:"
  curl -s -o /dev/null -w "%{http_code} in %{time_total} s\n" --data-binary "@$photo" -H "Content-Type: image/jpeg" \
    "http://127.0.0.1:$port/v1/search?collection=imagenet-sample&k=5"
fi
