#!/usr/bin/env python3
"""An independent NumPy forward pass of EfficientNet-Lite0 or -Lite2 (Lite2's
weights have a 21st block), for tests only.

  efficientnet_numpy.py WEIGHTS.safetensors INPUT.npy OUTPUT.npy

INPUT is a float32 batch in NCHW order, already preprocessed ((x/255 − 0.5)/0.5);
OUTPUT gets the logits (N × 1000, float64). Computed in float64 straight from
the state_dict: BatchNorm is applied as such (not folded), convolutions with
TensorFlow's "same" padding (the extra pixel on the bottom/right), as the
efficientnet-lite-pytorch reference does with a static image size.
"""
import json
import struct
import sys

import numpy as np

# (repeats, kernel, stride, expansion, input channels, output channels)
STAGES = {
    "lite0": [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
              (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)],
    "lite2": [(1, 3, 1, 1, 32, 16), (3, 3, 2, 6, 16, 24), (3, 5, 2, 6, 24, 48), (4, 3, 2, 6, 48, 88),
              (4, 5, 1, 6, 88, 120), (5, 5, 2, 6, 120, 208), (1, 3, 1, 6, 208, 352)],
}
EPSILON = 1e-3


def load(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = {"F32": "<f4", "I64": "<i8"}[info["dtype"]]
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"]).astype(np.float64)
    return tensors


def same_pad(x, kernel, stride):
    size = x.shape[2]
    out = -(-size // stride)
    pad = max((out - 1) * stride + kernel - size, 0)
    before, after = pad // 2, pad - pad // 2
    return np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)))


def conv(x, weight, stride=1, groups=1):
    kernel = weight.shape[2]
    x = same_pad(x, kernel, stride)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    if groups == 1:
        return np.einsum("nchwij,ocij->nohw", windows, weight, optimize=True)
    return np.einsum("nchwij,cij->nchw", windows, weight[:, 0], optimize=True)  # depthwise


def batch_norm(x, w, prefix):
    scale = w[prefix + ".weight"] / np.sqrt(w[prefix + ".running_var"] + EPSILON)
    shift = w[prefix + ".bias"] - w[prefix + ".running_mean"] * scale
    return x * scale[None, :, None, None] + shift[None, :, None, None]


def variant(w):
    """"lite2" when the weights have Lite2's 21st block, else "lite0"."""
    return "lite2" if "_blocks.20._project_conv.weight" in w else "lite0"


INPUT_SIZE = {"lite0": 224, "lite2": 260}


def relu6(x):
    return np.clip(x, 0, 6)


def forward(w, x):
    x = relu6(batch_norm(conv(x, w["_conv_stem.weight"], stride=2), w, "_bn0"))
    index = 0
    for repeats, kernel, stride, expansion, cin, cout in STAGES[variant(w)]:
        for r in range(repeats):
            p = f"_blocks.{index}."
            inputs = x
            if expansion != 1:
                x = relu6(batch_norm(conv(x, w[p + "_expand_conv.weight"]), w, p + "_bn0"))
            x = relu6(batch_norm(conv(x, w[p + "_depthwise_conv.weight"], stride=stride if r == 0 else 1, groups=x.shape[1]), w, p + "_bn1"))
            x = batch_norm(conv(x, w[p + "_project_conv.weight"]), w, p + "_bn2")
            if r > 0 or (stride == 1 and cin == cout):
                x = x + inputs
            index += 1
    x = relu6(batch_norm(conv(x, w["_conv_head.weight"]), w, "_bn1"))
    pooled = x.mean(axis=(2, 3))
    return pooled @ w["_fc.weight"].T + w["_fc.bias"]


if __name__ == "__main__":
    weights, source, target = sys.argv[1:4]
    np.save(target, forward(load(weights), np.load(source).astype(np.float64)))
