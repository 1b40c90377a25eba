#!/usr/bin/env python3
"""Writes Tests/TaxonCoreTests/Fixtures/nltk_similarity.tsv: NLTK's six WordNet
similarities for fixed and random synset pairs, the reference that
TaxonCoreTests compares Taxon with.

Reads Princeton WordNet 3.0 and the IC files that scripts/fetch_wordnet30.py
puts in ontologies/data/. Needs nltk: the script installs it into the private
environment .cache/py and re-runs itself there.

Columns: a, b, path, lch, wup, res (ic-brown), jcn (ic-brown), lin (ic-semcor);
an empty cell is NLTK's None, "error" a WordNetError; floats are Python's repr.
"""
import os
import pathlib
import random
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / ".cache" / "py"

if os.environ.get("TAXON_NLTK_VENV") != "1":
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if subprocess.run([str(python), "-c", "import nltk"], capture_output=True).returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "nltk"], check=True)
    os.execve(str(python), [str(python), __file__, *sys.argv[1:]], {**os.environ, "TAXON_NLTK_VENV": "1"})

import warnings  # noqa: E402

warnings.simplefilter("ignore")
import nltk  # noqa: E402
from nltk.corpus.reader.wordnet import WordNetCorpusReader, WordNetError, WordNetICCorpusReader  # noqa: E402

DATA = ROOT / "ontologies" / "data"
nltk.data.path.append(str(DATA))  # NLTK 3.10 reads corpora only below its data paths
WordNetCorpusReader.map_wn = lambda self, version="wordnet": None  # OMW mapping: not needed, fails offline
wn = WordNetCorpusReader(str(DATA / "wordnet-3.0"), None)
ic_reader = WordNetICCorpusReader(str(DATA / "wordnet_ic"), r".*\.dat")
brown, semcor = ic_reader.ic("ic-brown.dat"), ic_reader.ic("ic-semcor.dat")

fixed = [("dog.n.01", "cat.n.01"), ("hit.v.01", "slap.v.01"), ("dog.n.01", "dog.n.01"), ("entity.n.01", "dog.n.01"),
         ("dog.n.01", "entity.n.01"), ("abraham_lincoln.n.01", "president.n.04"), ("run.v.01", "walk.v.01"),
         ("run.v.01", "run.v.01"), ("think.v.01", "eat.v.01"), ("be.v.01", "have.v.01"), ("car.n.01", "automobile.n.01"),
         ("mercury.n.03", "mars.n.01"), ("good.a.01", "bad.a.01"), ("dog.n.01", "run.v.01"), ("quickly.r.01", "slowly.r.01")]
random.seed(20261129)
nouns, verbs = list(wn.all_synsets("n")), list(wn.all_synsets("v"))
pairs = fixed + [tuple(s.name() for s in random.sample(nouns, 2)) for _ in range(320)]
pairs += [tuple(s.name() for s in random.sample(verbs, 2)) for _ in range(120)]


def cell(function):
    try:
        value = function()
    except WordNetError:
        return "error"
    return "" if value is None else repr(float(value))


out = ROOT / "Tests" / "TaxonCoreTests" / "Fixtures" / "nltk_similarity.tsv"
with open(out, "w") as f:
    f.write(f"# NLTK {nltk.__version__} on Princeton WordNet 3.0; written by scripts/nltk_similarity_table.py\n")
    f.write("a\tb\tpath\tlch\twup\tres_brown\tjcn_brown\tlin_semcor\n")
    for a, b in pairs:
        s, t = wn.synset(a), wn.synset(b)
        row = [s.name(), t.name(), cell(lambda: s.path_similarity(t)), cell(lambda: s.lch_similarity(t)), cell(lambda: s.wup_similarity(t)),
               cell(lambda: s.res_similarity(t, brown)), cell(lambda: s.jcn_similarity(t, brown)),
               cell(lambda: s.lin_similarity(t, semcor))]
        f.write("\t".join(row) + "\n")
print(f"wrote {out.relative_to(ROOT)} ({len(pairs)} pairs)")
