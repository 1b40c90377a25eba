#!/usr/bin/env bash
# Issue #20: what flipped training photos, test-time flips, ImageNet logits as features and a sharper softmax
# give a linear head on Caltech-101 (numpy, outside the project; docs/EVALUATION.md). Features come from the
# release `taxon` and are cached in .cache/caltech-head. WEIGHTS=models/data/efficientnet-lite2.safetensors for Lite2.
# Needs `scripts/setup.sh --onnx` (numpy and Pillow in .cache/bench) and a store with WordNet and the ILSVRC classes.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir -p .cache/caltech-head
.cache/bench/bin/python bench/caltech_head.py .build/release/taxon "${WEIGHTS:-models/data/efficientnet-lite0.safetensors}" \
  "${DB:-.cache/bench.sqlite}" .cache/caltech-head
