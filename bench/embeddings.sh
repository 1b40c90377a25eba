#!/usr/bin/env bash
# Issue #4's benchmarks, whole process: ILSVRC-1000 unitsphere and approx-sim
# 256 on Barz & Denzler's ILSVRC tree, and ImageNet-21k tree-ified with 512
# dimensions (time, peak memory, fidelity); numpy run beside on the same S.
# Run via `make bench-embeddings`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/e.sqlite"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
"$taxon" import edges ../shared/data/semantic-embeddings/ILSVRC/wordnet.parent-child.mintree.txt --name mintree --leaf-order sorted --db "$db" >/dev/null
python3 bench/timeit.py --runs 5 -- "$taxon" embed --class-set mintree --method unitsphere --name u --replace --db "$db"
python3 bench/timeit.py --runs 5 -- "$taxon" embed --class-set mintree --method approx-sim --dims 256 --name a --replace --db "$db"
python3 bench/timeit.py --runs 5 -- "$taxon" embed --class-set mintree --method sparse --name s --replace --db "$db"
for e in u a s; do echo "$e: $("$taxon" embedding fidelity "$e" --db "$db")"; done

"$taxon" simmatrix --class-set mintree --out "$tmp/S.npy" --db "$db" >/dev/null
venv=.cache/py
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -c "import numpy" 2>/dev/null || "$venv/bin/pip" install -q numpy
"$venv/bin/python" bench/numpy_embeddings.py "$tmp/S.npy"

# ImageNet-21k: WordNet, the 21,843 classes, tree-ified, then 512 dimensions from the sparse factor.
"$taxon" import wordnet --db "$db" >/dev/null
"$taxon" import imagenet --wnids ontologies/imagenet/imagenet21k_wnids.txt --name imagenet21k --db "$db" >/dev/null
/usr/bin/time -f "tree: %e s wall, %M KB peak RSS" "$taxon" tree --class-set imagenet21k --out-name imagenet21k-tree --db "$db"
/usr/bin/time -f "embed: %e s wall, %M KB peak RSS" "$taxon" embed --class-set imagenet21k --tree imagenet21k-tree \
    --method approx-sim --dims 512 --name in21k --fidelity --db "$db"
