"""Issue #20's other lever, measured outside the project: fine-tuning the last block of EfficientNet (its last MBConv
block and the head convolution) with the classifier on caltech101/train, against a linear softmax head on frozen GeM
(the kind `train-mapper` trains), both in the same run, on the same nine tenths of train (the other tenth picks the epoch), and
evaluated on caltech101/dev (or any --train and --test class folders, or --split N of one).

The network up to the last block runs once in onnxruntime (bench/onnx_efficientnet.py's graph) on each photo and its
mirror image, preprocessed as Taxon does (shorter side to size + 32, centre crop); the last block, GeM (p = 3), L2
normalisation and the softmax head are trained here in numpy with their gradients written out, BatchNorm folded and
frozen, each epoch reading every photo as itself or its mirror at random. Prints accuracy, the mAP of ranking by
the cosine of probability vectors, and of ranking by predicted class first, as bench/caltech_head.py does. With
--taxon (a release build) it also checks its GeM against Taxon's and ranks the test photos semantic-first as Taxon
ranks a collection indexed with a classifier mapper (mAP and mAHP@250, the softmax sharpened or not).
Usage: caltech_finetune.py WEIGHTS CACHE_DIR [--train DIR] [--test DIR | --split N] [--epochs N] [--learning-rate R]
                           [--taxon TAXON --db DB [--map FILE]]   (bench/caltech-finetune.sh runs it)"""
import argparse
import json
import os
import pathlib
import sqlite3
import subprocess
import sys
import time

import numpy as np
import onnxruntime
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "models"))
import efficientnet_numpy as reference  # noqa: E402
from softmax_head import Adam, average_precision, linear_head, mean_average_precision, softmax  # noqa: E402
from onnx_efficientnet import build  # noqa: E402

ROOT = "../shared/data/caltech101"


def preprocess(path, size):
    """Taxon's input: shorter side resized to size + 32 (antialiased bilinear), the centre cropped, (x/255 − 0.5)/0.5."""
    image = Image.open(path).convert("RGB")
    scale = (size + 32) / min(image.size)
    image = image.resize((max(size, round(image.width * scale)), max(size, round(image.height * scale))), Image.BILINEAR)
    left, top = (image.width - size) // 2, (image.height - size) // 2
    array = np.asarray(image.crop((left, top, left + size, top + size)), np.float32)
    return ((array / 255 - 0.5) / 0.5).transpose(2, 0, 1)


def block_inputs(session, paths, size, out):
    """The last block's input (NHWC) for each photo and its mirror image: cached as OUT-0.npy and OUT-1.npy."""
    if not os.path.exists(out + "-1.npy"):
        views = [[], []]
        for start in range(0, len(paths), 32):
            batch = np.stack([preprocess(p, size) for p in paths[start:start + 32]])
            for view, x in enumerate((batch, batch[:, :, :, ::-1].copy())):
                views[view].append(session.run(None, {"input": x})[0].transpose(0, 2, 3, 1))
        for view in (0, 1):
            np.save(f"{out}-{view}.npy", np.concatenate(views[view]))
    return [np.load(f"{out}-{view}.npy") for view in (0, 1)]


def folded(w, conv, bn):
    """A convolution's weights with its BatchNorm folded in: (kernel, bias), output channels last."""
    scale = w[bn + ".weight"] / np.sqrt(w[bn + ".running_var"] + reference.EPSILON)
    kernel = w[conv + ".weight"] * scale[:, None, None, None]
    bias = w[bn + ".bias"] - w[bn + ".running_mean"] * scale
    return kernel.transpose(2, 3, 1, 0).astype(np.float32), bias.astype(np.float32)


def last_block(w, index):
    """Parameters of block INDEX (expand, depthwise, project) and the head convolution, 1 × 1 kernels as matrices."""
    p = f"_blocks.{index}."
    (expand, b1), (depthwise, bd), (project, b2), (head, bh) = (
        folded(w, p + "_expand_conv", p + "_bn0"), folded(w, p + "_depthwise_conv", p + "_bn1"),
        folded(w, p + "_project_conv", p + "_bn2"), folded(w, "_conv_head", "_bn1"))
    return {"W1": expand[0, 0], "b1": b1, "Wd": depthwise[:, :, 0, :], "bd": bd,
            "W2": project[0, 0], "b2": b2, "Wh": head[0, 0], "bh": bh}


def forward(params, x):
    """GeM (p = 3), L2-normalised, of the last block and head on block inputs x; the activations for backward."""
    a1 = x @ params["W1"] + params["b1"]
    h1 = np.clip(a1, 0, 6)
    k = params["Wd"].shape[0]
    padded = np.pad(h1, ((0, 0), (k // 2, k // 2), (k // 2, k // 2), (0, 0)))
    side = x.shape[1]
    a2 = params["bd"] + sum(padded[:, u:u + side, v:v + side] * params["Wd"][u, v] for u in range(k) for v in range(k))
    h2 = np.clip(a2, 0, 6)
    a3 = h2 @ params["W2"] + params["b2"]
    a4 = a3 @ params["Wh"] + params["bh"]
    h4 = np.maximum(np.clip(a4, 0, 6), 1e-6)
    cubes = (h4 ** 3).mean(axis=(1, 2))
    gem = np.cbrt(cubes)
    norm = np.linalg.norm(gem, axis=1, keepdims=True)
    return gem / norm, (x, a1, padded, a2, h2, a3, a4, h4, cubes, gem, norm)


def backward(params, saved, d_feature):
    """Gradients of every parameter of the last block and head, given the loss's gradient at the normalised GeM."""
    x, a1, padded, a2, h2, a3, a4, h4, cubes, gem, norm = saved
    feature = gem / norm
    d_gem = (d_feature - feature * (feature * d_feature).sum(1, keepdims=True)) / norm
    d_cubes = d_gem / (3 * np.cbrt(cubes) ** 2)
    positions = a4.shape[1] * a4.shape[2]
    d_a4 = d_cubes[:, None, None, :] * 3 * h4 ** 2 / positions * ((a4 > 0) & (a4 < 6))
    flat = lambda t: t.reshape(-1, t.shape[-1])  # noqa: E731
    grads = {"Wh": flat(a3).T @ flat(d_a4), "bh": d_a4.sum((0, 1, 2))}
    d_a3 = d_a4 @ params["Wh"].T
    grads.update(W2=flat(h2).T @ flat(d_a3), b2=d_a3.sum((0, 1, 2)))
    d_a2 = (d_a3 @ params["W2"].T) * ((a2 > 0) & (a2 < 6))
    k, side = params["Wd"].shape[0], a2.shape[1]
    d_padded = np.zeros_like(padded)
    d_wd = np.empty_like(params["Wd"])
    for u in range(k):
        for v in range(k):
            d_wd[u, v] = (padded[:, u:u + side, v:v + side] * d_a2).sum((0, 1, 2))
            d_padded[:, u:u + side, v:v + side] += d_a2 * params["Wd"][u, v]
    grads.update(Wd=d_wd, bd=d_a2.sum((0, 1, 2)))
    d_a1 = d_padded[:, k // 2:k // 2 + side, k // 2:k // 2 + side] * ((a1 > 0) & (a1 < 6))
    grads.update(W1=flat(x).T @ flat(d_a1), b1=d_a1.sum((0, 1, 2)))
    return grads


def gradient_check(params, rng):
    """The largest relative difference between backward's gradient and a central difference, at the two largest
    gradients of each parameter, on two random block inputs in float64: shows the gradients written out are right."""
    params = {k: v.astype(np.float64) for k, v in params.items()}
    x = rng.uniform(-2, 2, (2, 7, 7, params["W1"].shape[0]))
    direction = rng.normal(size=(2, params["Wh"].shape[1]))
    grads = backward(params, forward(params, x)[1], direction)
    worst = 0.0
    for key, value in params.items():
        for flat in np.argsort(-np.abs(grads[key]).ravel())[:2]:
            index, old = np.unravel_index(flat, value.shape), value.flat[flat]
            value.flat[flat] = old + 1e-5
            above = (forward(params, x)[0] * direction).sum()
            value.flat[flat] = old - 1e-5
            below = (forward(params, x)[0] * direction).sum()
            value.flat[flat] = old
            worst = max(worst, abs((above - below) / 2e-5 - grads[key][index]) / abs(grads[key][index]))
    return worst


def taxon_agreement(params, views, paths, taxon, db, weights, cache):
    """Median and least cosine between this GeM and the one the release `taxon` extracts, on the first 64 test photos:
    shows the preprocessing and the network up to the last block are Taxon's."""
    subprocess.run([taxon, "embed-image", "--db", db, "--weights", weights, *paths[:64], "--embedding", "unitsphere",
                    "--descriptor", "gem", "--out", f"{cache}/semantic.npy", "--descriptor-out", f"{cache}/gem.npy"],
                   check=True, stdout=subprocess.DEVNULL)
    theirs = np.load(f"{cache}/gem.npy")
    cosine = (features_of(params, [views[0][:64]])[0] * theirs).sum(1) / np.linalg.norm(theirs, axis=1)
    return float(np.median(cosine)), float(cosine.min())


def features_of(params, views, batch=64):
    """The normalised GeM of each view's block inputs, in batches (the activations are not kept)."""
    return [np.concatenate([forward(params, x[s:s + batch])[0] for s in range(0, len(x), batch)]) for x in views]


def class_similarity(taxon, db, cache, classes, class_map):
    """The classes' lcs-height similarities (class-name order) and the height H of the tree above them, as `taxon eval
    dataset` makes that tree: in a copy of the store, the map's class set (or, with no map, the folder names as WordNet
    keys), `taxon tree` over it, `taxon simmatrix` on the tree."""
    store = f"{cache}/similarity.sqlite"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)
    with sqlite3.connect(db) as source, sqlite3.connect(store) as target:
        source.backup(target)
    run = lambda *arguments: subprocess.run([taxon, *arguments, "--db", store], check=True, capture_output=True).stdout  # noqa: E731
    if class_map:
        run("taxonomy", "extend", "--map", class_map, "--name", "classes", "--method", "none")
    else:
        with open(f"{cache}/classes.txt", "w") as keys:
            keys.write("\n".join(classes) + "\n")
        run("import", "imagenet", "--wnids", f"{cache}/classes.txt", "--name", "classes")
    height = json.loads(run("tree", "--class-set", "classes", "--out-name", "classes-tree", "--json"))["height"]
    run("simmatrix", "--class-set", "classes-tree", "--out", f"{cache}/similarity.npy")
    return np.load(f"{cache}/similarity.npy"), height


def semantic_first(logits, visual, labels, similarity, height, k=250):
    """mAP and mAHP@k of Taxon's semantic-first ranking of classifier photos (docs/SEARCH.md, docs/CLASSES.md): the
    expected class rows of the ten likeliest classes (renormalised), whose dot product is pᵀSq; levels ⌊s·H + 10⁻⁴⌋;
    the visual cosine inside a level. mAHP as docs/EVALUATION.md defines it, on the same similarities."""
    p = softmax(logits)
    top = np.argsort(-p, axis=1)[:, :10]
    weights = np.zeros_like(p)
    np.put_along_axis(weights, top, np.take_along_axis(p, top, 1), 1)
    weights /= weights.sum(1, keepdims=True)
    levels = np.floor((weights @ similarity @ weights.T) * height + 1e-4)
    cosine = visual @ visual.T
    precisions, hierarchical = [], []
    for q in range(len(labels)):
        others = np.delete(np.arange(len(labels)), q)
        ranked = others[np.lexsort((-cosine[q, others], -levels[q, others]))]
        relevant = labels[ranked] == labels[q]
        if relevant.any():
            precisions.append(average_precision(relevant))
        gains = similarity[labels[q], labels[ranked]][:k]
        ideal = np.sort(similarity[labels[q], labels[others]])[::-1][:k]
        hp = np.where(np.cumsum(ideal) > 0, np.cumsum(gains) / np.maximum(np.cumsum(ideal), 1e-12), 1.0)
        hierarchical.append((hp.sum() - (hp[0] + hp[-1]) / 2) / len(hp))
    return float(np.mean(precisions)), float(np.mean(hierarchical))


def report(name, head, dev_views, y_dev):
    """Test accuracy and the two rankings' mAP, on the mean of each photo's and its mirror's logits, T 1 and 0.5."""
    logits = np.mean([f @ head["Wc"] + head["bc"] for f in dev_views], axis=0)
    for temperature in (1.0, 0.5):
        p = softmax(logits / temperature)
        unit = p / np.linalg.norm(p, axis=1, keepdims=True)
        predicted = p.argmax(1)
        same_class = (predicted[:, None] == predicted[None, :]) * 10.0
        print(f"{name:28s} T {temperature:3.1f}: accuracy {np.mean(predicted == y_dev):.4f}, probability-cosine mAP "
              f"{mean_average_precision(unit @ unit.T, y_dev):.4f}, predicted class first "
              f"{mean_average_precision(same_class + unit @ unit.T, y_dev):.4f}", flush=True)


def photos(folder, left_out=("BACKGROUND_Google", "Faces")):
    """(path, class name) of every photo in FOLDER's class folders, in name order; Caltech's two extra folders left out."""
    return [(f"{folder}/{c}/{f}", c) for c in sorted(os.listdir(folder)) if c not in left_out
            for f in sorted(os.listdir(f"{folder}/{c}"))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("weights")
    parser.add_argument("cache")
    parser.add_argument("--train", default=f"{ROOT}/train")
    parser.add_argument("--test", default=f"{ROOT}/dev")
    parser.add_argument("--split", type=int, help="the first N photos of each class of --train train, the rest test")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--taxon", help="a release taxon whose GeM to compare with (and --db, a store with the ILSVRC classes)")
    parser.add_argument("--db")
    parser.add_argument("--map", help="the reviewed class map for the hierarchy (default: bench/caltech101-map.tsv for "
                                      "Caltech; none when the class folders are WordNet keys)")
    args = parser.parse_args()
    weights = reference.load(args.weights)
    variant = reference.variant(weights)
    last = sum(stage[0] for stage in reference.STAGES[variant]) - 1
    size = reference.INPUT_SIZE[variant]
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = 2, 1
    session = onnxruntime.InferenceSession(build(weights, stop_before=last).SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
    if args.split:
        seen, parts = {}, {"train": [], "test": []}
        for path, name in photos(args.train):
            seen[name] = seen.get(name, 0) + 1
            parts["train" if seen[name] <= args.split else "test"].append((path, name))
    else:
        parts = {"train": photos(args.train), "test": photos(args.test)}
    classes = sorted({name for _, name in parts["train"]})
    tag = os.path.basename(os.path.normpath(args.train)) + (f"-split{args.split}" if args.split else "")
    data = {}
    for part, items in parts.items():
        data[part] = (block_inputs(session, [p for p, _ in items], size, f"{args.cache}/{variant}-{tag}-{part}"),
                      np.array([classes.index(name) for _, name in items]))
    (train_views, y_all), (dev_views, y_dev) = data["train"], data["test"]
    # Every tenth photo of each class (by file order) picks the epoch; the rest train.
    order = np.concatenate([np.nonzero(y_all == c)[0] for c in range(len(classes))])
    rank = np.empty(len(y_all), int)
    rank[order] = np.concatenate([np.arange((y_all == c).sum()) for c in range(len(classes))])
    held = rank % 10 == 9
    print(f"{variant}: block {last} and the head fine-tuned; {(~held).sum()} training photos, {held.sum()} to pick the epoch, "
          f"{len(y_dev)} test photos, {len(classes)} classes; {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}", flush=True)

    params = last_block(weights, last)
    print(f"gradient check: largest relative difference {gradient_check(params, np.random.default_rng(1)):.1e}")
    if args.taxon:
        median, least = taxon_agreement(params, dev_views, [p for p, _ in parts["test"]], args.taxon, args.db, args.weights,
                                        args.cache)
        print(f"GeM beside taxon's on the first 64 test photos: median cosine {median:.4f}, least {least:.4f}")
    frozen_train = features_of(params, [v[~held] for v in train_views])
    frozen_held = features_of(params, [train_views[0][held]])[0]
    frozen_dev = features_of(params, dev_views)
    probe = linear_head(np.vstack(frozen_train), np.concatenate([y_all[~held]] * 2), len(classes))
    print(f"frozen: held-out accuracy {np.mean((frozen_held @ probe['Wc'] + probe['bc']).argmax(1) == y_all[held]):.4f}")
    report("linear head on frozen GeM", probe, frozen_dev, y_dev)

    params.update({k: v.copy() for k, v in probe.items()})
    rates = {k: args.learning_rate * (10 if k in ("Wc", "bc") else 1) for k in params}
    adam, rng = Adam(params, rates), np.random.default_rng(1)
    x_train, y_train = [v[~held] for v in train_views], y_all[~held]
    target = np.eye(len(classes), dtype=np.float32)[y_train]
    best = (-1.0, 0, None)
    for epoch in range(1, args.epochs + 1):
        started, loss = time.time(), 0.0
        permutation, mirrored = rng.permutation(len(y_train)), rng.random(len(y_train)) < 0.5
        for start in range(0, len(permutation), 32):
            rows = permutation[start:start + 32]
            x = np.where(mirrored[rows, None, None, None], x_train[1][rows], x_train[0][rows])
            feature, saved = forward(params, x)
            p = softmax(feature @ params["Wc"] + params["bc"])
            loss -= np.log(p[np.arange(len(rows)), y_train[rows]] + 1e-12).sum()
            residual = (p - target[rows]) / len(rows)
            grads = backward(params, saved, residual @ params["Wc"].T)
            grads.update(Wc=feature.T @ residual + 1e-4 * params["Wc"], bc=residual.sum(0))
            adam.step(params, grads)
        held_features = features_of(params, [train_views[0][held]])[0]
        accuracy = np.mean((held_features @ params["Wc"] + params["bc"]).argmax(1) == y_all[held])
        print(f"epoch {epoch}: loss {loss / len(y_train):.4f}, held-out accuracy {accuracy:.4f} ({time.time() - started:.0f} s)",
              flush=True)
        if accuracy > best[0]:
            best = (accuracy, epoch, {k: v.copy() for k, v in params.items()})
    print(f"kept epoch {best[1]}")
    tuned_dev = features_of(best[2], dev_views)
    report("last block fine-tuned", best[2], tuned_dev, y_dev)
    if args.taxon:
        class_map = args.map or ("bench/caltech101-map.tsv" if args.train == f"{ROOT}/train" else None)
        similarity, height = class_similarity(args.taxon, args.db, args.cache, classes, class_map)
        k = min(250, len(y_dev) - 1)
        print(f"ranked semantic-first as Taxon does (photos as they are, tree height {height}):")
        for name, head, features in (("linear head on frozen GeM", probe, frozen_dev[0]), ("last block fine-tuned", best[2], tuned_dev[0])):
            for temperature in (1.0, 0.5, 0.25):
                logits = (features @ head["Wc"] + head["bc"]) / temperature
                precision, hierarchical = semantic_first(logits, frozen_dev[0], y_dev, similarity, height, k)
                print(f"{name:28s} T {temperature:4.2f}: mAP {precision:.4f}, mAHP@{k} {hierarchical:.4f}", flush=True)


if __name__ == "__main__":
    main()
