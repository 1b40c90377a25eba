#!/usr/bin/env python3
"""NLTK beside `taxon bench similarity`: wup and path on random noun pairs of
Princeton WordNet 3.0 (ontologies/data/wordnet-3.0), after loading.
Usage: nltk_similarity.py [PAIRS]  (default 5000). Runs in .cache/py (nltk)."""
import pathlib
import random
import sys
import time
import warnings

warnings.simplefilter("ignore")
import nltk  # noqa: E402
from nltk.corpus.reader.wordnet import WordNetCorpusReader  # noqa: E402

data = pathlib.Path(__file__).resolve().parent.parent / "ontologies" / "data"
nltk.data.path.append(str(data))
WordNetCorpusReader.map_wn = lambda self, version="wordnet": None  # OMW mapping: not needed, fails offline
start = time.perf_counter()
wn = WordNetCorpusReader(str(data / "wordnet-3.0"), None)
nouns = list(wn.all_synsets("n"))
print(f"nltk: loaded and listed {len(nouns)} nouns in {time.perf_counter() - start:.2f} s")
count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
random.seed(1)
pairs = [(random.choice(nouns), random.choice(nouns)) for _ in range(count)]
for name in ("wup", "path"):
    method = {"wup": lambda a, b: a.wup_similarity(b), "path": lambda a, b: a.path_similarity(b)}[name]
    start = time.perf_counter()
    for a, b in pairs:
        method(a, b)
    elapsed = time.perf_counter() - start
    print(f"nltk {name}: {count} pairs in {elapsed:.3f} s, {count / elapsed:.0f} pairs/s")
