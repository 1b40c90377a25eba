"""Issue #20's levers on the Caltech-101 classifier, measured outside the project: a numpy softmax head on the
features `taxon` extracts (GeM of EfficientNet, optionally its 1,000 ImageNet logits), trained on caltech101/train
and evaluated on caltech101/dev, with or without mirrored copies of the training photos (and the mean of a dev photo's
and its mirror's logits: test-time augmentation), and its probabilities sharpened by a temperature T before ranking.
Prints accuracy, the mAP of ranking by the cosine of probability vectors, and of ranking by predicted class first.
Usage: caltech_head.py TAXON WEIGHTS DB CACHE_DIR   (bench/caltech-head.sh runs it)"""
import json, os, subprocess, sys
import numpy as np
from PIL import Image, ImageOps
from softmax_head import linear_head, mean_average_precision, softmax

ROOT = "../shared/data/caltech101"
taxon, weights, db, cache = sys.argv[1:5]
tag = os.path.basename(weights).split(".")[0]
classes = sorted(c for c in os.listdir(f"{ROOT}/train") if c not in ("BACKGROUND_Google", "Faces"))
imagenet = {w: i for i, w in enumerate(l.strip() for l in open("ontologies/imagenet/ilsvrc2012_wnids.txt") if l.strip())}


def photos(split):
    """(path, mirrored copy's path, class index) for every photo of the split; the copies are written once."""
    items = []
    for index, name in enumerate(classes):
        for file in sorted(os.listdir(f"{ROOT}/{split}/{name}")):
            mirrored = f"{cache}/mirrored/{split}/{name}/{os.path.splitext(file)[0]}.png"
            if not os.path.exists(mirrored):
                os.makedirs(os.path.dirname(mirrored), exist_ok=True)
                ImageOps.mirror(Image.open(f"{ROOT}/{split}/{name}/{file}").convert("RGB")).save(mirrored)
            items.append((f"{ROOT}/{split}/{name}/{file}", mirrored, index))
    return items


def extract(paths, out):
    """GeM descriptors and ImageNet logits of the photos, by `taxon embed-image` and `taxon classify`; cached."""
    if os.path.exists(out + "-logits.npy"):
        return np.load(out + "-gem.npy").astype(np.float64), np.load(out + "-logits.npy").astype(np.float64)
    gems, logits = [], []
    for start in range(0, len(paths), 200):
        chunk = paths[start:start + 200]
        subprocess.run([taxon, "embed-image", "--db", db, "--weights", weights, *chunk, "--embedding", "unitsphere",
                        "--descriptor", "gem", "--out", f"{cache}/e.npy", "--descriptor-out", f"{cache}/g.npy"],
                       check=True, stdout=subprocess.DEVNULL)
        gems.append(np.load(f"{cache}/g.npy"))
        answer = subprocess.run([taxon, "classify", "--db", db, "--weights", weights, *chunk, "--top", "1000", "--json"],
                                check=True, capture_output=True)
        for photo in json.loads(answer.stdout):
            row = np.zeros(1000, np.float32)
            for entry in photo["top"]:
                row[imagenet[entry["wnid"]]] = entry["logit"]
            logits.append(row)
    np.save(out + "-gem.npy", np.concatenate(gems))
    np.save(out + "-logits.npy", np.stack(logits))
    return extract(paths, out)


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def features(gem, logits, with_logits):
    """GeM, or GeM beside the square root of the ImageNet probabilities (unit length each)."""
    return np.hstack([gem, unit(np.sqrt(softmax(logits)))]) if with_logits else gem


train_items, dev_items = photos("train"), photos("dev")
y_train, y_dev = np.array([i[2] for i in train_items]), np.array([i[2] for i in dev_items])
views = {(split, view): extract([i[view] for i in items], f"{cache}/{tag}-{split}-{view}")
         for split, items in (("train", train_items), ("dev", dev_items)) for view in (0, 1)}
gem_dev = unit(views[("dev", 0)][0])
print(f"{tag}: {len(train_items)} training photos, {len(dev_items)} dev photos, {len(classes)} classes")
print(f"visual GeM: mAP {mean_average_precision(gem_dev @ gem_dev.T, y_dev):.4f}")
for with_logits in (False, True):
    for mirrored in (False, True):
        x = [features(*views[("train", v)], with_logits) for v in ((0, 1) if mirrored else (0,))]
        head = linear_head(np.vstack(x), np.concatenate([y_train] * len(x)), len(classes))
        w, b = head["Wc"], head["bc"]
        logits = np.mean([features(*views[("dev", v)], with_logits) @ w + b for v in ((0, 1) if mirrored else (0,))], axis=0)
        for temperature in (1.0, 0.5, 0.25):
            p = softmax(logits / temperature)
            cosine = unit(p) @ unit(p).T
            predicted = p.argmax(1)
            same_class = (predicted[:, None] == predicted[None, :]) * 10.0
            print(f"{'GeM + ImageNet logits' if with_logits else 'GeM':21s} {'mirrored + TTA' if mirrored else 'as is':14s} "
                  f"T {temperature:4.2f}: accuracy {np.mean(predicted == y_dev):.4f}, probability-cosine mAP "
                  f"{mean_average_precision(cosine, y_dev):.4f}, predicted class first {mean_average_precision(same_class + cosine, y_dev):.4f}",
                  flush=True)
