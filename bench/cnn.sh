#!/usr/bin/env bash
# Issue #7's figures: EfficientNet-Lite0 accuracy on ../shared/data/imagenet-sample,
# decoding and network throughput and peak memory (taxon bench cnn), and
# onnxruntime 1.32 with 2 threads on the same weights, same session.
# Run via `make bench-cnn`, which has scripts/setup.sh --onnx install onnxruntime into .cache/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/bench
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
/usr/bin/time -f "%e s wall, %M KB peak RSS" .build/release/taxon bench cnn --batch 16
"$venv/bin/python" bench/onnx_efficientnet.py models/data/efficientnet-lite0.safetensors --batch 16 --batches 8
