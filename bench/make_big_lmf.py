#!/usr/bin/env python3
"""Writes a synthetic WN-LMF file of N synsets (default 400,000, ~210 MB) for
timing the streaming importer: two senses per entry, one hypernym per synset,
a definition and an example each.  Usage: make_big_lmf.py OUT [N]"""
import random
import sys

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 400_000
random.seed(0)
with open(out, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE LexicalResource SYSTEM "http://globalwordnet.github.io/schemas/WN-LMF-1.1.dtd">\n'
            '<LexicalResource xmlns:dc="https://globalwordnet.github.io/schemas/dc/">\n'
            '<Lexicon id="big" label="Big" language="en" email="x@example.org" license="l" version="1">\n')
    for i in range(n):
        f.write(f'<LexicalEntry id="big-w{i}-n"><Lemma writtenForm="word{i}" partOfSpeech="n"/>'
                f'<Sense id="big-w{i}-n-{i:08d}-01" synset="big-{i:08d}-n"/>'
                f'<Sense id="big-w{i}-n-{(i * 7) % n:08d}-02" synset="big-{(i * 7) % n:08d}-n"/></LexicalEntry>\n')
    for i in range(n):
        relation = f'<SynsetRelation relType="hypernym" target="big-{random.randrange(i):08d}-n"/>' if i else ""
        f.write(f'<Synset id="big-{i:08d}-n" ili="i{i}" partOfSpeech="n"><Definition>definition number {i} of a '
                f'synthetic synset, long enough to look like a real gloss of some thing</Definition>'
                f'<Example>an example sentence for synset {i}</Example>{relation}</Synset>\n')
    f.write("</Lexicon>\n</LexicalResource>\n")
