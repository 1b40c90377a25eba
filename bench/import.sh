#!/usr/bin/env bash
# Issue #2's benchmarks, with NLTK run beside them in the same session:
# WordNet import into a new store, GloVe 6B 50-d import (binary and text), and
# `taxon concept dog.n.01` as a whole process. Run via `make bench` (which builds
# the release binary and fetches GloVe first).
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon
runs=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
python3 bench/timeit.py --runs "$runs" --setup "rm -f $tmp/w.sqlite*" -- "$taxon" import wordnet --db "$tmp/w.sqlite"
python3 bench/timeit.py --runs "$runs" --setup "rm -f $tmp/g.sqlite*" -- "$taxon" import vectors embeddings/data/glove-6b-50d.bin --name glove --db "$tmp/g.sqlite"
python3 bench/timeit.py --runs "$runs" --setup "rm -f $tmp/g.sqlite*" -- "$taxon" import vectors embeddings/data/glove-6b-50d.txt --name glove --db "$tmp/g.sqlite"
"$taxon" import wordnet --if-missing --db "$tmp/w.sqlite" >/dev/null
python3 bench/timeit.py --runs 20 -- "$taxon" concept dog.n.01 --db "$tmp/w.sqlite"

# NLTK, from a private virtual environment; it needs a `lexnames` file beside the dict files.
venv=.cache/py
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -c "import nltk" 2>/dev/null || "$venv/bin/pip" install -q nltk
mkdir -p "$tmp/dict"
cp /usr/share/wordnet/{data,index}.{noun,verb,adj,adv} /usr/share/wordnet/{noun,verb,adj,adv}.exc "$tmp/dict/"
"$venv/bin/python" - "$tmp/dict/lexnames" <<'PY'
import sys
names = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body noun.cognition "
         "noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive noun.object noun.person "
         "noun.phenomenon noun.plant noun.possession noun.process noun.quantity noun.relation noun.shape noun.state "
         "noun.substance noun.time verb.body verb.change verb.cognition verb.communication verb.competition "
         "verb.consumption verb.contact verb.creation verb.emotion verb.motion verb.perception verb.possession "
         "verb.social verb.stative verb.weather adj.ppl").split()
pos = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
with open(sys.argv[1], "w") as f:
    for number, name in enumerate(names):
        f.write(f"{number:02d}\t{name}\t{pos[name.split('.')[0]]}\n")
PY
"$venv/bin/python" bench/nltk_wordnet.py "$tmp/dict" open
"$venv/bin/python" bench/nltk_wordnet.py "$tmp/dict" nouns
python3 bench/timeit.py --runs 5 -- "$venv/bin/python" bench/nltk_wordnet.py "$tmp/dict" dog

# The streaming WN-LMF importer on a synthetic 400,000-synset file (~210 MB): time and peak memory.
python3 bench/make_big_lmf.py "$tmp/big.xml"
echo "lmf input: $(stat -c %s "$tmp/big.xml") bytes"
/usr/bin/time -f "%e s wall, %M KB peak RSS" "$taxon" import lmf "$tmp/big.xml" --name big --db "$tmp/l.sqlite"
