#!/usr/bin/env bash
# Issue #3's benchmark: taxon's similarity measures on random noun pairs of
# Princeton WordNet 3.0 after loading it into memory, one core, with NLTK run
# beside it on the same files. Run via `make bench-similarity`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
"$taxon" import wordnet --dict ontologies/data/wordnet-3.0 --db "$tmp/w.sqlite" >/dev/null
"$taxon" bench similarity --db "$tmp/w.sqlite" --measures path,wup,lch,lcs-height
"$taxon" bench similarity --db "$tmp/w.sqlite" --measures res,jcn,lin --ic ontologies/data/wordnet_ic/ic-brown.dat --pairs 1000000

venv=.cache/py
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -c "import nltk" 2>/dev/null || "$venv/bin/pip" install -q nltk
"$venv/bin/python" bench/nltk_similarity.py 5000
