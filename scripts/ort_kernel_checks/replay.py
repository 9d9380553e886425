"""Replays every case of sim/tests/fixtures/infer with ortk's formulas, in numpy, on the graph onnxruntime
actually runs (saved through SessionOptions.optimized_model_filepath), and compares with the fixture's ORT
output. A case with an op ortk cannot compute is compared up to that op, tensor by tensor."""

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper as nh
from ortk import (conv_integer, dequantize, dql, f32, global_average_pool_mlas, global_average_pool_nchwc,
                  matmul_integer, max_pool, multiplier, qlinear_add, qlinear_global_average_pool, quantize,
                  requantize, scale_bias, sgemm_slice, softmax_row)

FIXTURES = Path(__file__).resolve().parents[2] / "sim" / "tests" / "fixtures" / "infer"


def attrs(n):
    return {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}


def per_axis(v, ndim, axis):
    if v.size <= 1:
        return v
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


def node(n, I):
    a = attrs(n)
    op = n.op_type
    if op == "Relu":
        return [np.maximum(I[0], f32(0)).astype(np.float32)]
    if op == "DynamicQuantizeLinear":
        return list(dql(I[0]))
    if op == "DynamicQuantizeMatMul":
        q, s, z = dql(I[0])
        return [scale_bias(matmul_integer(q, z, I[1], I[3] if I[3] is not None else 0), (s * I[2]).astype(np.float32), I[4])]
    if op == "MatMulIntegerToFloat":
        return [scale_bias(matmul_integer(I[0], I[4], I[1], I[5]), (I[2] * I[3]).astype(np.float32), I[6] if len(I) > 6 else None)]
    if op == "ConvInteger":
        w = I[1]
        return [conv_integer(I[0], w, I[2], np.full(w.shape[0], int(I[3])), tuple(a.get("strides", [1, 1])),
                             tuple(a.get("pads", [0, 0, 0, 0])), tuple(a.get("dilations", [1, 1])), a.get("group", 1)).astype(np.int32)]
    if op == "Cast":
        return [I[0].astype(np.float32)]
    if op == "Mul":
        return [(I[0] * I[1]).astype(np.float32)]
    if op == "Add":
        return [(I[0] + I[1]).astype(np.float32)]
    if op == "Flatten":
        return [I[0].reshape(I[0].shape[0], -1)]
    if op == "Transpose":
        return [np.ascontiguousarray(I[0].transpose(a["perm"]))]
    if op in ("ReorderInput", "ReorderOutput"):     # com.microsoft.nchwc layout changes; kept NCHW here
        return [I[0]]
    if op == "GlobalAveragePool":
        x = I[0]
        N, C = x.shape[:2]
        f = global_average_pool_nchwc if n.domain == "com.microsoft.nchwc" else global_average_pool_mlas
        return [f(x.reshape(N, C, -1)).reshape(N, C, 1, 1)]
    if op == "QuantizeLinear":
        return [quantize(I[0], per_axis(I[1], I[0].ndim, a.get("axis", 1)), per_axis(I[2], I[0].ndim, a.get("axis", 1)))]
    if op == "DequantizeLinear":
        return [dequantize(I[0], per_axis(I[1], I[0].ndim, a.get("axis", 1)), per_axis(I[2], I[0].ndim, a.get("axis", 1)))]
    if op == "QLinearConv":
        cl = a.get("channels_last", 0)
        x = I[0].transpose(0, 3, 1, 2) if cl else I[0]
        w = I[3]
        acc = conv_integer(x, w, I[2], np.broadcast_to(I[5], (w.shape[0],)), tuple(a.get("strides", [1, 1])),
                           tuple(a.get("pads", [0, 0, 0, 0])), tuple(a.get("dilations", [1, 1])), a.get("group", 1))
        if len(I) > 8 and I[8] is not None:
            acc = acc + I[8].reshape(1, -1, 1, 1)
        y = requantize(acc, multiplier(I[1], I[4], I[6]).reshape(1, -1, 1, 1), I[7], I[7].dtype)
        return [np.ascontiguousarray(y.transpose(0, 2, 3, 1)) if cl else y]
    if op in ("MaxPool", "NhwcMaxPool"):
        nhwc = op == "NhwcMaxPool"
        x = I[0].transpose(0, 3, 1, 2) if nhwc else I[0]
        y = max_pool(x, a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]))
        return [np.ascontiguousarray(y.transpose(0, 2, 3, 1)) if nhwc else y]
    if op == "QLinearAdd":
        return [qlinear_add(*I[:8])]
    if op == "QLinearGlobalAveragePool":
        cl = a.get("channels_last", 0)
        x = I[0].transpose(0, 3, 1, 2) if cl else I[0]
        y = qlinear_global_average_pool(x, I[1], I[2], I[3], I[4])
        return [np.ascontiguousarray(y.transpose(0, 2, 3, 1)) if cl else y]
    if op == "QGemm":
        A = I[0].T if a.get("transA", 0) else I[0]
        B = I[3].T if a.get("transB", 0) else I[3]
        acc = matmul_integer(A, I[2], B, I[5])
        if I[6] is not None:
            acc = acc + I[6]
        alpha_sa = f32(f32(a.get("alpha", 1.0)) * I[1])
        if len(I) > 7 and I[7] is not None:
            return [requantize(acc, multiplier(alpha_sa, I[4], I[7]), I[8], I[8].dtype)]
        return [scale_bias(acc, (alpha_sa * I[4]).astype(np.float32), None)]
    if op == "QLinearMatMul":
        return [requantize(matmul_integer(I[0], I[2], I[3], I[5]), multiplier(I[1], I[4], I[6]), I[7], I[7].dtype)]
    if op in ("MatMul", "FusedMatMul"):
        A, B = I[0], I[1]
        if a.get("transB", 0):
            B = np.swapaxes(B, -1, -2)
        alpha = f32(a["alpha"]) if "alpha" in a else None
        # fixture sizes are single-threaded in MLAS (see docs/ORT-KERNELS.md); M, N > 1 checked by the caller
        assert A.shape[-2] > 1 and B.shape[-1] > 1
        return [np.stack([sgemm_slice(A[i], B[i], alpha) for i in range(A.shape[0])])]
    if op == "Softmax":
        x = I[0]
        return [np.stack([softmax_row(r) for r in x.reshape(-1, x.shape[-1])]).reshape(x.shape)]
    if op == "Conv" and n.domain == "":          # float Conv, W not constant: im2col + SGEMM + bias
        x, w = I[0], I[1]
        k, s, p = a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])
        N, C, H, W = x.shape
        M = w.shape[0]
        xp = np.zeros((N, C, H + p[0] + p[2], W + p[1] + p[3]), np.float32)
        xp[:, :, p[0]:p[0] + H, p[1]:p[1] + W] = x
        OH, OW = (H + p[0] + p[2] - k[0]) // s[0] + 1, (W + p[1] + p[3] - k[1]) // s[1] + 1
        out = []
        for b in range(N):
            cols = np.stack([xp[b, c, i:i + s[0] * (OH - 1) + 1:s[0], j:j + s[1] * (OW - 1) + 1:s[1]].ravel()
                             for c in range(C) for i in range(k[0]) for j in range(k[1])])
            g = sgemm_slice(w.reshape(M, -1), cols)
            if len(I) > 2 and I[2] is not None:
                g = (g + I[2][:, None]).astype(np.float32)
            out.append(g.reshape(M, OH, OW))
        return [np.stack(out)]
    raise NotImplementedError(f"{n.domain or 'ai.onnx'}:{op}")


def replay(case, fixtures):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    opt = tempfile.NamedTemporaryFile(suffix=".onnx", delete=False).name
    so.optimized_model_filepath = opt
    ort.InferenceSession(str(fixtures / case["files"]["model"]), so, providers=["CPUExecutionProvider"])
    m = onnx.load(opt)
    os.unlink(opt)
    env = {i.name: nh.to_array(i) for i in m.graph.initializer}
    feeds = {k: np.load(fixtures / f) for k, f in case["files"]["inputs"].items()}
    env.update(feeds)
    try:
        for n in m.graph.node:
            for o, v in zip(n.output, node(n, [env.get(i) if i else None for i in n.input])):
                env[o] = v
    except NotImplementedError as e:
        print(f"{case['name']}: stops at {e}; every tensor computed before it, against ORT running the optimized graph:")
        m2 = onnx.ModelProto()
        m2.CopyFrom(m)
        del m2.graph.output[:]
        known = [o for n in m.graph.node for o in n.output if o in env]
        m2.graph.output.extend(onnx.ValueInfoProto(name=o) for o in known)
        so2 = ort.SessionOptions()
        so2.log_severity_level = 3
        so2.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        s2 = ort.InferenceSession(m2.SerializeToString(), so2, providers=["CPUExecutionProvider"])
        for o, v in zip([x.name for x in s2.get_outputs()], s2.run(None, feeds)):
            got = np.asarray(env[o])
            same = v.shape == got.shape and v.dtype == got.dtype and v.tobytes() == got.tobytes()
            print(f"    {'BIT-EXACT' if same else 'DIFFERS  '} {o} ({v.size} values)")
        return
    for k, f in case["files"]["outputs"].items():
        ref = np.load(fixtures / f)
        got = np.asarray(env[k])
        same = ref.shape == got.shape and ref.dtype == got.dtype and ref.tobytes() == got.tobytes()
        print(f"{'BIT-EXACT' if same else 'DIFFERS  '} {case['name']}: output {k} ({ref.size} values)")


def main():
    fixtures = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES
    for case in json.loads((fixtures / "cases.json").read_text())["cases"]:
        replay(case, fixtures)


if __name__ == "__main__":
    main()
