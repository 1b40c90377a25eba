#!/usr/bin/env bash
# Issue #6's figures: DeViSE and HUSE-style embeddings of ILSVRC-2012 with
# GloVe 6B 50-d (time after the vectors are in the store, coverage), and the
# Spearman ρ between DeViSE (and HUSE) and the unitsphere embedding of the
# tree-ified classes. Run via `make bench-text`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.sqlite"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
"$taxon" import wordnet --db "$db" >/dev/null
"$taxon" import imagenet --wnids ontologies/imagenet/ilsvrc2012_wnids.txt --name ilsvrc2012 --db "$db" >/dev/null
"$taxon" import vectors embeddings/data/glove-6b-50d.bin --name glove --db "$db" >/dev/null
"$taxon" tree --class-set ilsvrc2012 --out-name ilsvrc2012-tree --db "$db" >/dev/null
"$taxon" embed --class-set ilsvrc2012 --tree ilsvrc2012-tree --method unitsphere --name unit --db "$db" >/dev/null
"$taxon" embed --class-set ilsvrc2012 --method devise --vectors glove --name devise --db "$db"
python3 bench/timeit.py --runs 5 -- "$taxon" embed --class-set ilsvrc2012 --method devise --vectors glove --name devise --replace --db "$db"
python3 bench/timeit.py --runs 5 -- "$taxon" embed --class-set ilsvrc2012 --method huse --vectors glove --name huse --replace --db "$db"
"$taxon" embed --class-set ilsvrc2012 --tree ilsvrc2012-tree --method huse --vectors glove --gloss --mix 0.5 --name huse-mix --db "$db"
"$taxon" embed --class-set ilsvrc2012 --method devise --vectors glove --gloss --name devise-gloss --db "$db" >/dev/null
for e in devise devise-gloss huse huse-mix; do echo "$e vs unitsphere: $("$taxon" embedding compare "$e" unit --db "$db")"; done
for e in devise devise-gloss; do "$taxon" embedding neighbors "$e" tabby -k 5 --db "$db"; done
for e in devise huse-mix; do echo "text-to-class \"small dog\" in $e:"; "$taxon" text-to-class "small dog" --embedding "$e" -k 10 --db "$db"; done
