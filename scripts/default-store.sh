#!/usr/bin/env bash
# The store `make run` serves, built once (each step is skipped when its result is there):
# WordNet 3.0, the ILSVRC-2012 class set and its tree, their class embeddings
# (unitsphere, approx-sim 256, DeViSE and HUSE-style from GloVe 6B 50-d), and,
# where ../shared/data/imagenet-sample exists, its 1,000 photos indexed as the
# collection imagenet-sample (re-running skips unchanged photos).
# Usage: scripts/default-store.sh TAXON_BINARY STORE_FILE
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=$1 db=$2
run() { "$taxon" "$@" --db "$db"; }
# True when `taxon info` lists NAME (taxonomies, class sets, vector sets and embeddings, two spaces in).
# (Its output is read whole first: grep -q stopping early would fail the pipe under pipefail.)
has() { [[ -f "$db" || $db == postgres://* || $db == postgresql://* ]] || return 1; local listing; listing=$(run info); grep -q "^  $1  " <<< "$listing"; }

run import wordnet --if-missing
run import imagenet --wnids ontologies/imagenet/ilsvrc2012_wnids.txt --name ilsvrc2012 --if-missing
has ilsvrc2012-tree || run tree --class-set ilsvrc2012 --out-name ilsvrc2012-tree
has unitsphere || run embed --class-set ilsvrc2012 --tree ilsvrc2012-tree --method unitsphere --name unitsphere
has approx-sim-256 || run embed --class-set ilsvrc2012 --tree ilsvrc2012-tree --method approx-sim --dims 256 --name approx-sim-256
run import vectors embeddings/data/glove-6b-50d.bin --name glove-6b-50d --format word2vec-bin --if-missing
has devise || run embed --class-set ilsvrc2012 --method devise --vectors glove-6b-50d --gloss --name devise
has huse || run embed --class-set ilsvrc2012 --method huse --vectors glove-6b-50d --gloss --mix 0.5 --tree ilsvrc2012-tree --name huse
sample=../shared/data/imagenet-sample
if [[ -d $sample ]]; then run index "$sample" --collection imagenet-sample --embedding unitsphere; fi
run info
