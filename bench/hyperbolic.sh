#!/usr/bin/env bash
# Issue #5's first figure: Poincaré embedding of the WordNet mammal subtree in
# 5 dimensions (Nickel & Kiela's reconstruction protocol), whole process.
# Run via `make bench-hyperbolic`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
"$taxon" import wordnet --db "$tmp/h.sqlite" >/dev/null
/usr/bin/time -f "%e s wall, %M KB peak RSS" "$taxon" hyperbolic train --root mammal.n.01 --dim 5 --name mammals --db "$tmp/h.sqlite"
"$taxon" hyperbolic eval mammals --db "$tmp/h.sqlite"
