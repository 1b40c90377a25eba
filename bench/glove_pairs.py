#!/usr/bin/env python3
"""Cosines of word pairs in GloVe 6B 50-d (embeddings/data/glove-6b-50d.bin),
read straight from the word2vec binary: the evidence behind the tabby note in
docs/EMBEDDINGS.md. Usage: glove_pairs.py [a:b …]. Runs in .cache/py (numpy)."""
import pathlib
import sys

import numpy as np

path = pathlib.Path(__file__).resolve().parent.parent / "embeddings" / "data" / "glove-6b-50d.bin"
data = path.read_bytes()
header_end = data.index(b"\n")
count, dims = map(int, data[:header_end].split())
position, vectors = header_end + 1, {}
for _ in range(count):
    space = data.index(b" ", position)
    vectors[data[position:space].decode()] = np.frombuffer(data, "<f4", dims, space + 1).astype(float)
    position = space + 1 + 4 * dims + 1
pairs = sys.argv[1:] or ["tabby:cat", "tabby:tarantula", "king:queen", "dog:cat"]
for pair in pairs:
    a, b = pair.split(":")
    x, y = vectors[a], vectors[b]
    print(f"cos({a}, {b}) = {x @ y / np.linalg.norm(x) / np.linalg.norm(y):.3f}")
