#!/usr/bin/env bash
# Issue #20: fine-tuning EfficientNet's last block with the classifier on caltech101/train, beside the linear head on
# frozen GeM, both evaluated on caltech101/dev (numpy and onnxruntime, outside the project; docs/EVALUATION.md).
# The network's output before its last block is cached in .cache/caltech-finetune. Needs `scripts/setup.sh --onnx`, and
# a release build and a store with the ILSVRC classes (DB, default .cache/bench.sqlite) to compare GeM with Taxon's.
# WEIGHTS=models/data/efficientnet-lite2.safetensors for Lite2; extra arguments go to the script (--learning-rate, --epochs).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir -p .cache/caltech-finetune
.cache/bench/bin/python bench/caltech_finetune.py "${WEIGHTS:-models/data/efficientnet-lite0.safetensors}" .cache/caltech-finetune \
  --taxon .build/release/taxon --db "${DB:-.cache/bench.sqlite}" "$@"
