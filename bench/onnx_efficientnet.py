#!/usr/bin/env python3
"""onnxruntime beside `taxon bench cnn`: the same EfficientNet-Lite0 (or -Lite2)
weights as an ONNX graph (built here from the safetensors with numpy and onnx,
no torch), timed with 2 intra-op threads on batches of preprocessed 224² (260²)
tensors. bench/caltech_finetune.py reuses the graph up to a block's input.

  onnx_efficientnet.py WEIGHTS.safetensors [--batch 16] [--batches 8]

Also prints the largest logit difference from models/efficientnet_numpy.py on
one random batch, to show it is the same network.
"""
import argparse
import pathlib
import sys
import time

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "models"))
import efficientnet_numpy as reference  # noqa: E402


def build(weights, stop_before=None):
    """The network as an ONNX graph from NCHW inputs to logits, or, with `stop_before`, to that block's input."""
    variant = reference.variant(weights)
    input_size = reference.INPUT_SIZE[variant]
    nodes, initializers = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def constant(array):
        n = name("w")
        initializers.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), n))
        return n

    def conv(x, prefix, bn, size, stride, groups, activation):
        w = weights[prefix + ".weight"]
        scale = weights[bn + ".weight"] / np.sqrt(weights[bn + ".running_var"] + reference.EPSILON)
        bias = weights[bn + ".bias"] - weights[bn + ".running_mean"] * scale
        kernel = w.shape[2]
        out = -(-size // stride)
        pad = max((out - 1) * stride + kernel - size, 0)
        y = name("conv")
        nodes.append(helper.make_node("Conv", [x, constant(w * scale[:, None, None, None]), constant(bias)], [y], strides=[stride, stride],
                                      pads=[pad // 2, pad // 2, pad - pad // 2, pad - pad // 2], group=groups))
        if activation:
            z = name("relu6")
            nodes.append(helper.make_node("Clip", [y, constant(0.0), constant(6.0)], [z]))
            y = z
        return y, out

    x, size = conv("input", "_conv_stem", "_bn0", input_size, 2, 1, True)
    index = 0
    for repeats, kernel, stride, expansion, cin, cout in reference.STAGES[variant]:
        for r in range(repeats):
            if index == stop_before:
                return graph_model(nodes, initializers, x, variant, input_size, [cin if r == 0 else cout, size, size])
            p = f"_blocks.{index}."
            inputs = x
            channels = (cin if r == 0 else cout) * expansion
            if expansion != 1:
                x, size = conv(x, p + "_expand_conv", p + "_bn0", size, 1, 1, True)
            x, size = conv(x, p + "_depthwise_conv", p + "_bn1", size, stride if r == 0 else 1, channels, True)
            x, size = conv(x, p + "_project_conv", p + "_bn2", size, 1, 1, False)
            if r > 0 or (stride == 1 and cin == cout):
                y = name("add")
                nodes.append(helper.make_node("Add", [x, inputs], [y]))
                x = y
            index += 1
    x, size = conv(x, "_conv_head", "_bn1", size, 1, 1, True)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["flat"]))
    nodes.append(helper.make_node("Gemm", ["flat", constant(weights["_fc.weight"]), constant(weights["_fc.bias"])], ["logits"], transB=1))
    return graph_model(nodes, initializers, "logits", variant, input_size, [1000])


def graph_model(nodes, initializers, output, variant, input_size, output_shape):
    graph = helper.make_graph(nodes, f"efficientnet_{variant}",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, input_size, input_size])],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", *output_shape])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("weights")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--batches", type=int, default=8)
    args = parser.parse_args()
    weights = reference.load(args.weights)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(build(weights).SerializeToString(), options, providers=["CPUExecutionProvider"])
    size = reference.INPUT_SIZE[reference.variant(weights)]
    batch = np.random.default_rng(1).uniform(-1, 1, (args.batch, 3, size, size)).astype(np.float32)
    logits = session.run(None, {"input": batch})[0]
    difference = np.abs(logits[:2] - reference.forward(weights, batch[:2].astype(np.float64))).max()
    start = time.perf_counter()
    for _ in range(args.batches):
        session.run(None, {"input": batch})
    seconds = time.perf_counter() - start
    print(f"onnxruntime {onnxruntime.__version__}, 2 threads, {args.batches} batches of {args.batch}: "
          f"{args.batches * args.batch / seconds:.1f} images/s (largest logit difference from the NumPy reference: {difference:.2e})")


if __name__ == "__main__":
    main()
