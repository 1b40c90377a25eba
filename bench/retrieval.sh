#!/usr/bin/env bash
# Issue #9's retrieval table and audits on ../shared/data/imagenet-sample (1,000
# photos, one per ILSVRC-2012 class), relevance = lcs-height on the ILSVRC tree.
# Store: .cache/bench.sqlite, built like make run's (scripts/default-store.sh:
# WordNet, the classes, their tree, the embeddings unitsphere, approx-sim-256,
# devise and huse; the sample indexed with GeM descriptors), plus one
# collection per other descriptor. Run via `make bench-retrieval`.
set -euo pipefail
cd "$(dirname "$0")/.."
taxon=.build/release/taxon db=.cache/bench.sqlite sample=../shared/data/imagenet-sample
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir -p .cache
scripts/default-store.sh "$taxon" "$db" > /dev/null
for descriptor in gap mac rmac; do
  "$taxon" index "$sample" --collection "sample-$descriptor" --descriptor $descriptor --embedding unitsphere --db "$db" > /dev/null
done
eval_json() { "$taxon" eval retrieval --db "$db" --k 250 --ndcg-k 100 --json "$@"; }
row() {  # label, then eval arguments: one table row from the JSON
  local label=$1; shift
  eval_json "$@" | python3 -c 'import json, sys
r = json.load(sys.stdin)[0]
print("| %s | %.4f | %.4f | %.4f | %.4f |" % (sys.argv[1], r["mean_ahp"], r["mean_ndcg"], r["hierarchical_precision"][0], r["hierarchical_precision"][9]))' "$label"
}
echo "| ranking | mAHP@250 | NDCG@100 | HP@1 | HP@10 |"
echo "|---|---|---|---|---|"
row "visual, GAP" --collection sample-gap --ranking visual
row "visual, GeM" --collection imagenet-sample --ranking visual
row "visual, MAC" --collection sample-mac --ranking visual
row "visual, R-MAC" --collection sample-rmac --ranking visual
row "visual, GeM, PCA-whitened to 256 on the sample" --collection imagenet-sample --ranking visual --whiten 256
row "visual, R-MAC, PCA-whitened to 256 on the sample" --collection sample-rmac --ranking visual --whiten 256
for embedding in unitsphere approx-sim-256 devise huse; do
  row "semantic, $embedding" --collection imagenet-sample --ranking semantic --embedding $embedding
done
row "semantic-first (unitsphere levels, GeM inside)" --collection imagenet-sample --ranking semantic-first
row "semantic-first (unitsphere levels, R-MAC inside)" --collection sample-rmac --ranking semantic-first
row "blend 0.5 (unitsphere, GeM)" --collection imagenet-sample --ranking blend --alpha 0.5

echo "== all four rankings on 1,000 queries × 1,000 images, one process (load included):"
/usr/bin/time -f "%e s wall" "$taxon" eval retrieval --db "$db" --collection imagenet-sample --ranking visual --ranking semantic \
  --ranking semantic-first --ranking blend --alpha 0.5 --report .cache/retrieval-report
echo "== audits"
"$taxon" audit measure lcs-height --class-set ilsvrc2012 --db "$db"
"$taxon" audit measure lcs-height --class-set ilsvrc2012-tree --db "$db"
"$taxon" audit embedding unitsphere --db "$db"
