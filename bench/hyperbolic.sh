#!/usr/bin/env bash
# Issue #5's figures, whole processes on Debian's WordNet in a new store:
#  - Poincaré on the mammal subtree, 5 dimensions (Nickel & Kiela's reconstruction);
#  - WordNet nouns, 50 % non-basic split, link-prediction test F1 (Ganea et al.):
#    Poincaré and entailment cones, 5 and 10 dimensions.
# Run via `make bench-hyperbolic` (about 20 minutes on 2 cores); `--quick` runs the mammals only.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/h.sqlite"
timed() { /usr/bin/time -f "%e s wall, %M KB peak RSS" "$@"; }
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
"$taxon" import wordnet --db "$db" >/dev/null
timed "$taxon" hyperbolic train --root mammal.n.01 --dim 5 --name mammals --db "$db"
"$taxon" hyperbolic eval mammals --db "$db"
[ "${1:-}" = "--quick" ] && exit 0
for dim in 5 10; do
    for model in poincare cones; do
        echo "== WordNet nouns, $model, $dim dimensions, 50 % split"
        timed "$taxon" hyperbolic train --model "$model" --dim "$dim" --split-percent 50 --name "nouns-$model-$dim" --db "$db" | grep -v "^[a-z]* epoch"
    done
done
"$taxon" entails dog.n.01 animal.n.01 --embedding nouns-cones-5 --db "$db"
"$taxon" entails animal.n.01 dog.n.01 --embedding nouns-cones-5 --db "$db"
