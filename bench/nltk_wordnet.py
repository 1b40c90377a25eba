#!/usr/bin/env python3
"""NLTK beside Taxon: opens Debian's WordNet 3.0 with NLTK's own reader and
times what bench/import.sh times for taxon.

  nltk_wordnet.py DICT_DIR open      seconds to open the corpus
  nltk_wordnet.py DICT_DIR nouns     seconds to open it and enumerate every noun synset
  nltk_wordnet.py DICT_DIR dog       print dog.n.01 (timed as a whole process by timeit.py)

DICT_DIR must hold the Princeton files plus NLTK's `lexnames` (bench/import.sh
makes such a copy). Runs in the bench virtual environment that has nltk.
"""
import sys
import time
import warnings

warnings.simplefilter("ignore")  # "multilingual functions are not available": expected here

import nltk
from nltk.corpus.reader.wordnet import WordNetCorpusReader

directory, what = sys.argv[1], sys.argv[2]
nltk.data.path.append(directory)  # NLTK 3.10 reads corpora only below its data paths
# NLTK 3.10 maps every non-default WordNet onto nltk_data's own copy for OMW at
# open time (and fails without it); that mapping is for other languages only.
WordNetCorpusReader.map_wn = lambda self, version="wordnet": None
start = time.perf_counter()
wn = WordNetCorpusReader(directory, None)
if what == "open":
    print(f"nltk open: {time.perf_counter() - start:.2f} s")
elif what == "nouns":
    count = sum(1 for _ in wn.all_synsets("n"))
    print(f"nltk open + enumerate {count} nouns: {time.perf_counter() - start:.2f} s")
else:
    synset = wn.synset("dog.n.01")
    print(synset.name(), synset.offset(), [l.name() for l in synset.lemmas()], synset.hypernyms())
