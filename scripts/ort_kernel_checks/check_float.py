"""Float kernels the fused transformer and QDQ graphs run: Softmax, MatMul and FusedMatMul (MLAS SGEMM with its
K blocks and thread partition), float Conv (im2col + SGEMM + bias), and SkipLayerNormalization, whose
arithmetic this study did not reproduce (reported, not asserted)."""

import numpy as np
from onnx import helper as h
from ortk import Tally, f32, sgemm, sgemm_slice, softmax_row, run


def im2col(x, k, s, p):
    C, H, W = x.shape
    xp = np.zeros((C, H + 2 * p, W + 2 * p), np.float32)
    xp[:, p:p + H, p:p + W] = x
    OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    cols = np.stack([xp[c, i:i + s * (OH - 1) + 1:s, j:j + s * (OW - 1) + 1:s].ravel()
                     for c in range(C) for i in range(k) for j in range(k)])
    return cols, OH, OW


def skip_layer_norm_source(x, skip, gamma, beta, eps):
    """skip_layer_norm.cc ComputeJob as read (float accumulators in element order, E[x^2] - mean^2)."""
    out = np.empty_like(x)
    H = x.shape[1]
    for r in range(x.shape[0]):
        val = (x[r] + skip[r]).astype(np.float32)
        mean = msq = f32(0)
        for v in val:
            mean = f32(mean + v)
            msq = f32(msq + f32(v * v))
        mean = f32(mean / f32(H))
        sd = f32(np.sqrt(f32(f32(f32(msq / f32(H)) - f32(mean * mean)) + f32(eps))))
        out[r] = ((((val - mean).astype(np.float32) / sd).astype(np.float32) * gamma).astype(np.float32) + beta).astype(np.float32)
    return out


def main():
    rng = np.random.default_rng(13)
    t = Tally()
    for i in range(1500):
        R, D = int(rng.integers(1, 8)), int(rng.integers(1, 130))
        x = (rng.standard_normal((R, D)) * rng.uniform(0.1, 30)).astype(np.float32)
        (y,) = run([h.make_node("Softmax", ["x"], ["y"], axis=-1)], {"x": x}, [("y", np.float32)], opset=17)
        t.add("Softmax (last axis)", y, np.stack([softmax_row(r) for r in x]))
        e = np.exp(x.astype(np.float64) - x.max(-1, keepdims=True))
        t.add("  (alternative) correctly rounded exp(x - max) / sum", y, (e / e.sum(-1, keepdims=True)).astype(np.float32))
    for i in range(60):
        M, K, N = int(rng.integers(2, 40)), int(rng.integers(1, 1200)), int(rng.integers(2, 200))
        A = rng.standard_normal((M, K)).astype(np.float32)
        B = rng.standard_normal((K, N)).astype(np.float32)
        for th in (1, 2):
            (y,) = run([h.make_node("MatMul", ["a", "b"], ["y"])], {"a": A, "b": B}, [("y", np.float32)], opset=17, threads=th)
            t.add(f"MatMul M,N > 1, intra_op_num_threads={th}", y, sgemm(A, B, threads=th))
            t.add(f"  (alternative) one FMA chain over all of K, threads={th}", y, sgemm_slice(A, B, stride_k=K))
        alpha = f32(rng.uniform(0.05, 1))
        (yf,) = run([h.make_node("FusedMatMul", ["a", "bt"], ["y"], domain="com.microsoft", transB=1, alpha=float(alpha))],
                    {"a": A, "bt": B.T.copy()}, [("y", np.float32)], opset=17, threads=1)
        t.add("FusedMatMul transB alpha, intra_op_num_threads=1", yf, sgemm(A, B, alpha=alpha, threads=1))
    for i in range(120):
        K = int(rng.integers(1, 300))
        if i % 2:
            A, B = rng.standard_normal((1, K)).astype(np.float32), rng.standard_normal((K, int(rng.integers(2, 40)))).astype(np.float32)
            tag = "M == 1"
        else:
            A, B = rng.standard_normal((int(rng.integers(2, 20)), K)).astype(np.float32), rng.standard_normal((K, 1)).astype(np.float32)
            tag = "N == 1"
        (y,) = run([h.make_node("MatMul", ["a", "b"], ["y"])], {"a": A, "b": B}, [("y", np.float32)], opset=17, threads=1)
        t.add(f"MatMul {tag} (other MLAS kernels; not modelled): SGEMM model", y, sgemm_slice(A, B))
    for th in (1, 2):
        for i in range(100):
            C, M, H, W = int(rng.integers(1, 60)), int(rng.integers(2, 20)), int(rng.integers(3, 14)), int(rng.integers(3, 14))
            k, s = int(rng.choice([1, 3])), int(rng.integers(1, 3))
            p = k // 2
            x = rng.standard_normal((1, C, H, W)).astype(np.float32)
            w = rng.standard_normal((M, C, k, k)).astype(np.float32)
            b = rng.standard_normal(M).astype(np.float32)
            (y,) = run([h.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[k, k], pads=[p] * 4, strides=[s, s])],
                       {"x": x, "w": w, "b": b}, [("y", np.float32)], opset=17, threads=th)
            cols, OH, OW = im2col(x[0], k, s, p)
            ref = (sgemm_slice(w.reshape(M, -1), cols) + b[:, None]).astype(np.float32).reshape(1, M, OH, OW)
            t.add(f"float Conv (W a graph input), im2col + SGEMM + bias, intra_op_num_threads={th}", y, ref)
    for i in range(400):
        R, H = int(rng.integers(1, 10)), int(rng.integers(2, 100))
        x = (rng.standard_normal((R, H)) * rng.uniform(0.1, 5)).astype(np.float32)
        sk = (rng.standard_normal((R, H)) * rng.uniform(0.1, 5)).astype(np.float32)
        g = (1 + 0.1 * rng.standard_normal(H)).astype(np.float32)
        be = (0.1 * rng.standard_normal(H)).astype(np.float32)
        (y,) = run([h.make_node("SkipLayerNormalization", ["x", "s", "g", "b"], ["y"], domain="com.microsoft", epsilon=1e-5)],
                   {"x": x, "s": sk}, [("y", np.float32)], {"g": g, "b": be}, opset=17)
        ref = skip_layer_norm_source(x, sk, g, be, 1e-5)
        t.add("SkipLayerNormalization (not reproduced): skip_layer_norm.cc as read", y, ref)
        d = np.abs(y.astype(np.float64) - ref)
        t.t.setdefault("max_abs_diff_sln", [0.0])[0] = max(t.t.get("max_abs_diff_sln", [0.0])[0], float(d.max()))
    mad = t.t.pop("max_abs_diff_sln")[0]
    t.report()
    print(f"          SkipLayerNormalization: largest |ORT - formula| = {mad:.3g}")


if __name__ == "__main__":
    main()
