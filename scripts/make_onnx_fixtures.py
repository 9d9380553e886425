#!/usr/bin/env python3
"""Writes the ONNX reader's fixtures under sim/tests/fixtures/onnx/.

Each fixture is a small graph built with onnx.helper in the forms exporters
write (shape code as Shape/Gather/Unsqueeze/Concat/Reshape chains, weights
through Constant nodes, external data, symbolic batch dimensions, auto_pad,
ceil_mode, batched MatMul with broadcasting, bidirectional LSTM, GRU, RNN,
1-D and grouped convolutions, ConvTranspose). For every fixture, onnxruntime
runs the graph on random inputs with every intermediate tensor exposed as an
output, and the shape of each tensor is written to NAME.shapes.json:
sim/tests/onnx_reader.rs demands that the reader infers exactly those shapes.

Usage: python3 scripts/make_onnx_fixtures.py [--venv DIR]

Like make_ort_fixtures.py, it never installs into the repository: it creates
(or reuses) a virtualenv outside it (default /tmp/systolic-onnx-venv) with
onnxruntime, onnx and numpy, and re-runs itself there. Exports of real
torchvision models (which need torch, several GB) are a separate step.
"""

import argparse

import fixture_venv
import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "tests" / "fixtures" / "onnx"
DEFAULT_VENV = Path(tempfile.gettempdir()) / "systolic-onnx-venv"
PINNED = ["onnxruntime==1.32.0", "onnx==1.23.2", "numpy==2.4.6"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="virtualenv to use (outside the repo)")
    args = parser.parse_args()
    fixture_venv.ensure_venv(args.venv, PINNED, "import onnxruntime, onnx, numpy")

    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto as T
    from onnx import helper as h
    from onnx import numpy_helper as nh

    rng = np.random.default_rng(7)
    OUT.mkdir(parents=True, exist_ok=True)

    def w(name, *shape, scale=0.1):
        """A float weight: random when small, zeros when large (only its
        shape matters to these fixtures, and zeros compress in git)."""
        if np.prod(shape) > 1024:
            return nh.from_array(np.zeros(shape, np.float32), name)
        return nh.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    def i64(name, values):
        return nh.from_array(np.array(values, dtype=np.int64), name)

    def const_node(out, array):
        return h.make_node("Constant", [], [out], value=nh.from_array(array, out + "_v"))

    def save(name, graph, opset=17, dims=None, external=False):
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="systolic-fixtures")
        model.ir_version = 8
        # onnxruntime running the graph (record) is the check.
        path = OUT / f"{name}.onnx"
        if external:
            # onnx appends to an existing data file: start from none.
            (OUT / f"{name}.data").unlink(missing_ok=True)
            onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                            location=f"{name}.data", size_threshold=256)
        else:
            onnx.save_model(model, str(path))
        record(name, path, dims or {})

    def record(name, path, dims):
        """Runs the model with every tensor as an output; writes the shapes."""
        model = onnx.load(str(path))
        inferred = onnx.shape_inference.infer_shapes(model)
        types = {v.name: v.type for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
        have = {o.name for o in model.graph.output}
        for node in model.graph.node:
            for o in node.output:
                if o and o not in have:
                    vi = onnx.ValueInfoProto(name=o)
                    if o in types:
                        vi.type.CopyFrom(types[o])
                        vi.type.tensor_type.ClearField("shape")
                    model.graph.output.append(vi)
                    have.add(o)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        feeds = {}
        for i in sess.get_inputs():
            shape = [d if isinstance(d, int) else dims.get(d, 1) for d in i.shape]
            if "int64" in i.type:
                feeds[i.name] = rng.integers(0, 10, shape).astype(np.int64)
            else:
                feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
        names = [o.name for o in sess.get_outputs()]
        outs = sess.run(names, feeds)
        shapes = {n: list(np.asarray(v).shape) for n, v in zip(names, outs)}
        (OUT / f"{name}.shapes.json").write_text(json.dumps({"dims": dims, "shapes": shapes}, indent=1, sort_keys=True) + "\n")
        print(f"{name}: {len(shapes)} tensors")

    # 1. A CNN head whose flatten is shape code (Shape, Gather, Unsqueeze,
    #    Concat, Reshape) on a symbolic batch.
    nodes = [
        h.make_node("Conv", ["x", "c1.w", "c1.b"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        h.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        h.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        h.make_node("Conv", ["p1", "c2.w"], ["c2"], name="conv2", kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        h.make_node("Conv", ["c2", "dw.w"], ["dw"], name="depthwise", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=16),
        h.make_node("BatchNormalization", ["dw", "bn.s", "bn.b", "bn.m", "bn.v"], ["bn"], name="bn"),
        h.make_node("AveragePool", ["bn"], ["ap"], name="avgpool", kernel_shape=[2, 2], strides=[2, 2]),
        h.make_node("Shape", ["ap"], ["s"], name="shape"),
        h.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
        h.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsqueeze"),
        h.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
        h.make_node("Reshape", ["ap", "target"], ["flat"], name="reshape"),
        h.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
        h.make_node("Softmax", ["logits"], ["y"], name="softmax", axis=-1),
    ]
    inits = [
        w("c1.w", 16, 3, 3, 3), w("c1.b", 16), w("c2.w", 16, 16, 3, 3), w("dw.w", 16, 1, 3, 3),
        w("bn.s", 16), w("bn.b", 16), w("bn.m", 16), nh.from_array(np.ones(16, np.float32), "bn.v"),
        i64("zero", 0), i64("axes0", [0]), i64("minus1", [-1]), w("fc.w", 10, 16 * 4 * 4), w("fc.b", 10),
    ]
    g = h.make_graph(nodes, "cnn", [h.make_tensor_value_info("x", T.FLOAT, ["batch", 3, 32, 31])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    save("cnn", g, dims={"batch": 2})

    # 2. A transformer block: LayerNormalization, a QKV projection whose
    #    heads come from shape code, attention (MatMul of two activations,
    #    broadcast scale, Softmax), GELU in its Erf form, residual adds.
    d, heads, t = 64, 4, 17
    hd = d // heads
    nodes = [
        h.make_node("LayerNormalization", ["x", "ln.s", "ln.b"], ["ln"], name="ln1", axis=-1),
        h.make_node("MatMul", ["ln", "qkv.w"], ["qkv"], name="qkv"),
        h.make_node("Shape", ["x"], ["xs"], name="xshape"),
        h.make_node("Slice", ["xs", "s0", "s2", "s0a"], ["bt"], name="batch_tokens"),
        h.make_node("Concat", ["bt", "qkv_tail"], ["qkv_shape"], name="qkv_shape", axis=0),
        h.make_node("Reshape", ["qkv", "qkv_shape"], ["qkv5"], name="split_heads"),
        h.make_node("Transpose", ["qkv5"], ["qkvt"], name="heads_first", perm=[2, 0, 3, 1, 4]),
        h.make_node("Split", ["qkvt", "split3"], ["q3", "k3", "v3"], name="split_qkv", axis=0),
        h.make_node("Squeeze", ["q3", "axes0"], ["q"], name="q"),
        h.make_node("Squeeze", ["k3", "axes0"], ["k"], name="k"),
        h.make_node("Squeeze", ["v3", "axes0"], ["v"], name="v"),
        h.make_node("Transpose", ["k"], ["kt"], name="k_t", perm=[0, 1, 3, 2]),
        h.make_node("MatMul", ["q", "kt"], ["scores"], name="scores"),
        const_node("hd", np.array(float(hd), np.float32)),
        h.make_node("Sqrt", ["hd"], ["scale"], name="sqrt_hd"),
        h.make_node("Div", ["scores", "scale"], ["scaled"], name="scale"),
        h.make_node("Softmax", ["scaled"], ["attn"], name="softmax", axis=-1),
        h.make_node("MatMul", ["attn", "v"], ["ctx"], name="context"),
        h.make_node("Transpose", ["ctx"], ["ctxt"], name="heads_last", perm=[0, 2, 1, 3]),
        h.make_node("Concat", ["bt", "dim_d"], ["merge_shape"], name="merge_shape", axis=0),
        h.make_node("Reshape", ["ctxt", "merge_shape"], ["merged"], name="merge_heads"),
        h.make_node("MatMul", ["merged", "proj.w"], ["proj"], name="proj"),
        h.make_node("Add", ["x", "proj"], ["res1"], name="residual1"),
        h.make_node("MatMul", ["res1", "fc1.w"], ["fc1"], name="fc1"),
        h.make_node("Div", ["fc1", "sqrt2"], ["g1"], name="gelu_div"),
        h.make_node("Erf", ["g1"], ["g2"], name="gelu_erf"),
        h.make_node("Add", ["g2", "one"], ["g3"], name="gelu_add"),
        h.make_node("Mul", ["fc1", "g3"], ["g4"], name="gelu_mul"),
        h.make_node("Mul", ["g4", "half"], ["gelu"], name="gelu_half"),
        h.make_node("MatMul", ["gelu", "fc2.w"], ["fc2"], name="fc2"),
        h.make_node("Add", ["res1", "fc2"], ["y"], name="residual2"),
    ]
    inits = [
        w("ln.s", d), w("ln.b", d), w("qkv.w", d, 3 * d), i64("s0", [0]), i64("s2", [2]), i64("s0a", [0]),
        i64("qkv_tail", [3, heads, hd]), i64("split3", [1, 1, 1]), i64("axes0", [0]), i64("dim_d", [d]),
        w("proj.w", d, d), w("fc1.w", d, 4 * d), w("fc2.w", 4 * d, d),
        nh.from_array(np.array(2 ** 0.5, np.float32), "sqrt2"), nh.from_array(np.array(1.0, np.float32), "one"),
        nh.from_array(np.array(0.5, np.float32), "half"),
    ]
    g = h.make_graph(nodes, "block", [h.make_tensor_value_info("x", T.FLOAT, ["batch", t, d])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    save("transformer", g, dims={"batch": 3})

    # 3. Recurrent layers: bidirectional LSTM, GRU with batch-first layout,
    #    RNN; weights through Constant nodes.
    seq, batch, inp, hid = 5, 2, 16, 32
    nodes = [
        const_node("lstm.w", np.zeros((2, 4 * hid, inp), np.float32)),
        const_node("lstm.r", np.zeros((2, 4 * hid, hid), np.float32)),
        h.make_node("LSTM", ["x", "lstm.w", "lstm.r"], ["ly", "lh", "lc"], name="lstm", hidden_size=hid, direction="bidirectional"),
        h.make_node("Transpose", ["ly"], ["lyt"], name="dirs_inner", perm=[0, 2, 1, 3]),
        h.make_node("Reshape", ["lyt", "sb_shape"], ["gx"], name="concat_dirs"),
        h.make_node("GRU", ["gx", "gru.w", "gru.r"], ["gy", "gh"], name="gru", hidden_size=hid),
        h.make_node("Squeeze", ["gh", "axes0"], ["gh2"], name="gru_last"),
        h.make_node("Squeeze", ["gy", "axes1"], ["rx"], name="gru_seq"),
        h.make_node("RNN", ["rx", "rnn.w", "rnn.r", "rnn.b"], ["ry", "rh"], name="rnn", hidden_size=8),
    ]
    inits = [
        i64("sb_shape", [seq, batch, 2 * hid]), w("gru.w", 1, 3 * hid, 2 * hid), w("gru.r", 1, 3 * hid, hid),
        i64("axes0", [0]), i64("axes1", [1]), w("rnn.w", 1, 8, hid), w("rnn.r", 1, 8, 8), w("rnn.b", 1, 16),
    ]
    g = h.make_graph(nodes, "recurrent", [h.make_tensor_value_info("x", T.FLOAT, [seq, batch, inp])],
                     [h.make_tensor_value_info("gh2", T.FLOAT, None), h.make_tensor_value_info("ry", T.FLOAT, None)], inits)
    save("recurrent", g)

    # 4. 1-D convolutions, grouped and dilated, ConvTranspose, Pad, Resize,
    #    GlobalAveragePool, Expand, Range, ConstantOfShape, Where, Equal;
    #    weights in an external data file.
    nodes = [
        h.make_node("Conv", ["x", "k1"], ["a"], name="conv1d", kernel_shape=[4], strides=[3], auto_pad="SAME_LOWER"),
        h.make_node("Conv", ["a", "k2"], ["b"], name="grouped", kernel_shape=[3], dilations=[2], group=4, pads=[2, 1]),
        h.make_node("Unsqueeze", ["b", "axes2"], ["b4"], name="to2d"),
        h.make_node("ConvTranspose", ["b4", "kt"], ["up"], name="deconv", kernel_shape=[1, 4], strides=[1, 2], pads=[0, 1, 0, 1]),
        h.make_node("Pad", ["up", "pads"], ["padded"], name="pad", mode="constant"),
        h.make_node("Resize", ["padded", "", "scales"], ["big"], name="resize", mode="nearest"),
        h.make_node("GlobalAveragePool", ["big"], ["gap"], name="gap"),
        h.make_node("Shape", ["gap"], ["gs"], name="gshape"),
        h.make_node("ConstantOfShape", ["gs"], ["ones"], name="ones", value=nh.from_array(np.array([1.0], np.float32))),
        h.make_node("Range", ["r0", "r5", "r1"], ["rng"], name="range"),
        h.make_node("Equal", ["rng", "r5m"], ["eq"], name="equal"),
        h.make_node("Where", ["eq", "rng", "r0"], ["wh"], name="where"),
        h.make_node("Cast", ["wh"], ["whf"], name="cast", to=T.FLOAT),
        h.make_node("ReduceSum", ["whf"], ["total"], name="reduce", keepdims=0),
        h.make_node("Expand", ["total", "exp_shape"], ["expanded"], name="expand"),
        h.make_node("Mul", ["ones", "expanded"], ["y"], name="mul"),
    ]
    inits = [
        w("k1", 8, 2, 4), w("k2", 8, 2, 3), i64("axes2", [2]), w("kt", 8, 4, 1, 4),
        i64("pads", [0, 0, 0, 1, 0, 0, 0, 2]), nh.from_array(np.array([1, 1, 2, 1.5], np.float32), "scales"),
        i64("r0", 0), i64("r5", 5), i64("r1", 1), i64("r5m", [4]), i64("exp_shape", [1, 1, 1, 1]),
    ]
    g = h.make_graph(nodes, "conv1d", [h.make_tensor_value_info("x", T.FLOAT, [1, 2, 50])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    save("conv1d", g, external=True)

    # An operator the reader does not lower (Einsum), with its shapes
    # recorded by onnx.shape_inference so that --skip-unsupported can pass it.
    nodes = [
        h.make_node("Einsum", ["x", "w"], ["e"], name="einsum", equation="bij,jk->bik"),
        h.make_node("Relu", ["e"], ["r"], name="relu"),
        h.make_node("MatMul", ["r", "w2"], ["y"], name="fc"),
    ]
    g = h.make_graph(nodes, "einsum", [h.make_tensor_value_info("x", T.FLOAT, [2, 4, 8])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], [w("w", 8, 16), w("w2", 16, 4)])
    model = h.make_model(g, opset_imports=[h.make_opsetid("", 17)], producer_name="systolic-fixtures")
    model.ir_version = 8
    model = onnx.shape_inference.infer_shapes(model)
    onnx.save_model(model, str(OUT / "einsum.onnx"))
    record("einsum", OUT / "einsum.onnx", {})

    # Bad files: each must give a clear error naming what is wrong.
    def bad(name, graph):
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], producer_name="systolic-fixtures")
        (OUT / f"bad-{name}.onnx").write_bytes(model.SerializeToString())

    x = [h.make_tensor_value_info("x", T.FLOAT, [1, 4])]
    y = [h.make_tensor_value_info("y", T.FLOAT, None)]
    bad("cycle", h.make_graph([h.make_node("Add", ["x", "b"], ["a"], name="first"),
                               h.make_node("Relu", ["a"], ["b"], name="second"),
                               h.make_node("Relu", ["b"], ["y"], name="last")], "cycle", x, y))
    bad("missing-initializer", h.make_graph([h.make_node("MatMul", ["x", "w"], ["y"], name="fc")], "missing", x, y))
    bad("absurd-dims", h.make_graph([h.make_node("Relu", ["x"], ["y"], name="relu")], "absurd",
                                    [h.make_tensor_value_info("x", T.FLOAT, [1 << 50, 1 << 50])], y))
    bad("reshape-mismatch", h.make_graph([h.make_node("Reshape", ["x", "s"], ["y"], name="reshape")], "reshape", x, y,
                                         [i64("s", [3, -1])]))
    ext = w("big", 64, 64)
    ext.data_location = T.EXTERNAL
    ext.ClearField("raw_data")
    for key, value in [("location", "missing.bin"), ("offset", "0"), ("length", str(64 * 64 * 4))]:
        entry = ext.external_data.add()
        entry.key, entry.value = key, value
    bad("external-missing", h.make_graph([h.make_node("MatMul", ["x4", "big"], ["y"], name="fc")], "ext",
                                         [h.make_tensor_value_info("x4", T.FLOAT, [1, 64])], y, [ext]))


if __name__ == "__main__":
    main()
