#!/usr/bin/env bash
# Issue #20's measurements: taxon eval dataset on Caltech-101 (train/ → dev/, the
# reviewed map bench/caltech101-map.tsv) and on Tiny ImageNet (half of each class
# to train, the other half to evaluate: --split 25), each on a fresh store holding
# only WordNet and the ILSVRC classes, so the first run computes every feature and
# the second reads them from the store's cache; then both again on EfficientNet-Lite2,
# and the two networks' accuracy and speed on the ImageNet sample (taxon bench cnn).
# Run via `make bench-own-classes`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon db=.cache/own-classes.sqlite data=../shared/data
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir -p .cache
rm -f "$db" "$db-wal" "$db-shm"
"$taxon" import wordnet --db "$db" > /dev/null
"$taxon" import imagenet --wnids ontologies/imagenet/ilsvrc2012_wnids.txt --name ilsvrc2012 --db "$db" > /dev/null
report() {  # label, then eval dataset arguments: the scores as a table, and the times
  local label=$1; shift
  local started=$SECONDS
  "$taxon" eval dataset --db "$db" --json "$@" | python3 -c 'import json, sys
r = json.load(sys.stdin); t = r["training"]
print("%s: %d classes (%d new), %d training + %d validation photos, %d test photos; accuracy %.4f; kept epoch %d (validation accuracy %.4f)"
      % (sys.argv[1], r["classes"], len(r["new_classes"]), t["training_photos"], t["validation_photos"], r["test_photos"], r["accuracy"], t["kept_epoch"], t["validation_accuracy"]))
print("  features: %d computed, %d cached, %.1f s; training %.1f s; whole command %.1f s" % (t["computed_features"], t["cached_features"], t["feature_seconds"], t["training_seconds"], r["seconds"]))
print("  | ranking | mAP | mAHP@%d |" % r["k"]); print("  |---|---|---|")
for s in r["rankings"]: print("  | %s | %.4f | %.4f |" % (s["ranking"], s["mean_average_precision"], s["mean_ahp"]))' "$label"
}
report "Caltech-101, first run" --train "$data/caltech101/train" --test "$data/caltech101/dev" --map bench/caltech101-map.tsv
report "Caltech-101, again (cached features)" --train "$data/caltech101/train" --test "$data/caltech101/dev" --map bench/caltech101-map.tsv
report "Tiny ImageNet, half/half" --train "$data/tiny-imagenet-val" --split 25
lite2=models/data/efficientnet-lite2.safetensors
report "Caltech-101, Lite2" --train "$data/caltech101/train" --test "$data/caltech101/dev" --map bench/caltech101-map.tsv --weights "$lite2"
report "Tiny ImageNet, half/half, Lite2" --train "$data/tiny-imagenet-val" --split 25 --weights "$lite2"
for weights in models/data/efficientnet-lite0.safetensors "$lite2"; do
  echo "$weights:"; "$taxon" bench cnn --weights "$weights" | sed 's/^/  /'
done
