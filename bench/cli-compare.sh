#!/usr/bin/env bash
# Two taxon binaries, command by command, one after the other in the same
# run: whole-process times (bench/timeit.py, min/median/max) of imports and
# queries, and the in-process benchmarks they print themselves. For figures
# "beside the old one, in the same run" after a change that touches them all.
# Usage: bench/cli-compare.sh OLD_TAXON NEW_TAXON [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 runs=${3:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
for side in old new; do
  db="$tmp/$side.sqlite"
  "${!side}" import wordnet --db "$db" > /dev/null
  "${!side}" import imagenet --wnids ontologies/imagenet/ilsvrc2012_wnids.txt --name ilsvrc2012 --db "$db" > /dev/null
  "${!side}" import vectors embeddings/data/glove-6b-50d.bin --name glove --format word2vec-bin --db "$db" > /dev/null
  "${!side}" embed --class-set ilsvrc2012 --method devise --vectors glove --name devise --db "$db" > /dev/null
done
timed() { local side=$1; shift; printf '%s  ' "$side"; python3 bench/timeit.py --runs "$runs" "$@"; }
for side in old new; do
  timed $side --setup "rm -f $tmp/w-$side.sqlite*" -- "${!side}" import wordnet --db "$tmp/w-$side.sqlite"
done
for side in old new; do
  timed $side --setup "rm -f $tmp/g-$side.sqlite*" -- "${!side}" import vectors embeddings/data/glove-6b-50d.bin --name glove --db "$tmp/g-$side.sqlite"
done
for side in old new; do timed $side -- "${!side}" concept dog.n.01 --db "$tmp/$side.sqlite"; done
for side in old new; do timed $side -- "${!side}" similarity dog.n.01 cat.n.01 --measure wup --db "$tmp/$side.sqlite"; done
for side in old new; do timed $side -- "${!side}" embed --class-set ilsvrc2012 --method devise --vectors glove --name devise --replace --db "$tmp/$side.sqlite"; done
for side in old new; do timed $side -- "${!side}" embed --class-set ilsvrc2012 --method huse --vectors glove --name huse --replace --db "$tmp/$side.sqlite"; done
for side in old new; do timed $side -- "${!side}" text-to-class "small dog" --embedding devise --db "$tmp/$side.sqlite"; done
for side in old new; do echo "$side  $("${!side}" bench similarity --pairs 500000 --db "$tmp/$side.sqlite" | tail -4 | tr '\n' ' ')"; done
for side in old new; do echo "$side  $("${!side}" bench search --vectors 100000 --dims 256 --queries 50)"; done
