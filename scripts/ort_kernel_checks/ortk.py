"""The arithmetic of onnxruntime 1.32's CPU kernels as docs/ORT-KERNELS.md
describes it, in numpy (float32 everywhere unless stated), plus a helper to
run one-node graphs on onnxruntime. The check_*.py scripts compare these
formulas with onnxruntime bit for bit; replay.py runs whole fixtures."""

import numpy as np

f32 = np.float32


# ---- onnxruntime helper ----------------------------------------------------

def run(nodes, feeds, outs, inits=(), opset=21, level=None, threads=None):
    """Runs a graph of `nodes` on the CPU provider. feeds: graph inputs;
    outs: (name, numpy dtype) pairs; inits: initializers (constant inputs)."""
    import onnxruntime as ort
    from onnx import helper as h, numpy_helper as nh, TensorProto as T

    types = {np.dtype(k): v for k, v in [("float32", T.FLOAT), ("int8", T.INT8), ("uint8", T.UINT8),
                                         ("int32", T.INT32), ("int64", T.INT64)]}
    ins = [h.make_tensor_value_info(k, types[v.dtype], list(v.shape)) for k, v in feeds.items()]
    outv = [h.make_tensor_value_info(n, types[np.dtype(d)], None) for n, d in outs]
    g = h.make_graph(nodes, "g", ins, outv, [nh.from_array(v, k) for k, v in dict(inits).items()])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset), h.make_opsetid("com.microsoft", 1)])
    m.ir_version = 10
    so = ort.SessionOptions()
    so.log_severity_level = 3
    if level is not None:
        so.graph_optimization_level = level
    if threads is not None:
        so.intra_op_num_threads = threads
    return ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, feeds)


class Tally:
    """Counts bit-identical elements per named formula and prints a summary."""

    def __init__(self):
        self.t = {}

    def add(self, name, got, ref):
        got, ref = np.atleast_1d(np.asarray(got)), np.atleast_1d(np.asarray(ref))
        same = got.shape == ref.shape and got.dtype == ref.dtype
        size = got.dtype.itemsize
        ok = 0
        if same:
            gb = np.ascontiguousarray(got).view(np.uint8).reshape(-1, size)
            rb = np.ascontiguousarray(ref).view(np.uint8).reshape(-1, size)
            ok = int((gb == rb).all(-1).sum())
        v = self.t.setdefault(name, [0, 0])
        v[0] += ok
        v[1] += got.size

    def report(self):
        for k, (ok, n) in self.t.items():
            print(f"{'BIT-EXACT' if ok == n else 'MISMATCH '} {ok:>9}/{n:<9} {k}")


# ---- exact float32 fused multiply-add ---------------------------------------

def fma32(a, b, c):
    """float32 fma(a, b, c) with one rounding, elementwise (broadcasting)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float32), np.asarray(b, np.float32), np.asarray(c, np.float32))
    a, b, c = a.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    p = a * b                                   # exact: 24 + 24 bits fit in 53
    s = p + c
    bb = s - p
    e = (p - (s - bb)) + (c - bb)               # TwoSum: s + e == p + c exactly
    r = s.astype(np.float32)
    r64 = r.astype(np.float64)
    up = np.nextafter(r, np.float32(np.inf))
    dn = np.nextafter(r, np.float32(-np.inf))
    # s exactly halfway between two float32 values: the sign of e decides (double rounding fix)
    r = np.where((s == (r64 + up.astype(np.float64)) / 2) & (e > 0), up, r)
    r = np.where((s == (r64 + dn.astype(np.float64)) / 2) & (e < 0), dn, r)
    return r.astype(np.float32)


# ---- quantization --------------------------------------------------------------

def dynamic_qparams(x):
    """DynamicQuantizeLinear scale and zero point (uint8)."""
    lo = min(f32(x.min()), f32(0))
    hi = max(f32(x.max()), f32(0))
    s = f32(1) if hi == lo else f32((hi - lo) / f32(255))
    z = np.rint(np.clip(f32(f32(0) - lo / s), f32(0), f32(255)))
    return s, np.uint8(z)


def quantize(x, s, z):
    """QuantizeLinear: x / s (float32 division), clamp to [qmin - z, qmax - z], round half even, + z."""
    z = np.asarray(z)
    i = np.iinfo(z.dtype)
    zf = z.astype(np.float32)
    return (np.rint(np.clip((x / s).astype(np.float32), f32(i.min) - zf, f32(i.max) - zf)) + zf).astype(z.dtype)


def dql(x):
    s, z = dynamic_qparams(x)
    return quantize(x, s, z), s, z


def dequantize(q, s, z):
    """DequantizeLinear: float32(q - z) * s."""
    return ((q.astype(np.int32) - np.asarray(z).astype(np.int32)).astype(np.float32) * s).astype(np.float32)


def requantize(acc, mult, zp, dtype):
    """MlasRequantizeOutput: float32(acc) * mult, clamp to [qmin - zp, qmax - zp], round half even, + zp."""
    i = np.iinfo(dtype)
    v = np.clip((np.asarray(acc).astype(np.float32) * mult).astype(np.float32), f32(i.min - int(zp)), f32(i.max - int(zp)))
    return (np.rint(v) + int(zp)).astype(dtype)


def multiplier(s_in, s_w, s_out):
    """Requantization multiplier of QLinearConv / QLinearMatMul / QGemm: (s_in * s_w) / s_out, float32, left to right."""
    return (f32(s_in) * np.asarray(s_w, np.float32) / f32(s_out)).astype(np.float32)


def matmul_integer(a, za, b, zb):
    """Exact (a - za) @ (b - zb) in int64 (ORT's int32 result on VNNI/AMX CPUs); a: (..., K), b: (K, N)."""
    return np.einsum("...k,kn->...n", a.astype(np.int64) - np.int64(za), b.astype(np.int64) - np.asarray(zb, np.int64))


def scale_bias(acc, mult, bias):
    """MLAS_QGEMM_SCALE_BIAS_OUTPUT_PROCESSOR: float32(acc) * mult, then + bias (two roundings, no FMA)."""
    y = (np.asarray(acc).astype(np.float32) * mult).astype(np.float32)
    return y if bias is None else (y + bias).astype(np.float32)


def dynamic_quantize_matmul(a, b, b_scale, b_zp, bias):
    """com.microsoft DynamicQuantizeMatMul (and the unfused DQL + MatMulInteger + Cast + Mul + Add)."""
    q, s, z = dql(a)
    return scale_bias(matmul_integer(q, z, b, b_zp if b_zp is not None else 0), (s * np.asarray(b_scale, np.float32)).astype(np.float32), bias)


def conv_integer(x, w, zx, zw, stride=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), group=1):
    """Exact NCHW convolution of (x - zx) with (w - zw[m]) in int64; padding is real 0 (x == zx)."""
    N, C, H, W = x.shape
    M, Cg, KH, KW = w.shape
    pt, pl, pb, pr = pads
    xp = np.full((N, C, H + pt + pb, W + pl + pr), int(zx), np.int64)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    xp -= int(zx)
    OH = (H + pt + pb - dil[0] * (KH - 1) - 1) // stride[0] + 1
    OW = (W + pl + pr - dil[1] * (KW - 1) - 1) // stride[1] + 1
    wz = w.astype(np.int64) - np.broadcast_to(np.asarray(zw, np.int64), (M,)).reshape(-1, 1, 1, 1)
    out = np.zeros((N, M, OH, OW), np.int64)
    Mg = M // group
    for i in range(KH):
        for j in range(KW):
            patch = xp[:, :, i * dil[0]: i * dil[0] + stride[0] * (OH - 1) + 1: stride[0],
                       j * dil[1]: j * dil[1] + stride[1] * (OW - 1) + 1: stride[1]]
            for g in range(group):
                out[:, g * Mg:(g + 1) * Mg] += np.einsum("nchw,mc->nmhw", patch[:, g * Cg:(g + 1) * Cg],
                                                         wz[g * Mg:(g + 1) * Mg, :, i, j])
    return out


def qlinear_add(a, sa, za, b, sb, zb, sc, zc):
    """com.microsoft QLinearAdd, MLAS AVX2 kernel (qladd_avx2.cpp): zero points folded into one float32 constant
    with an FMA, then fma(a, rAC, fma(b, rBC, fixed)), round half even, saturate. A scalar B folds into the
    constant; a scalar A (with B not scalar) is evaluated with the operands swapped."""
    a, b = np.asarray(a), np.asarray(b)
    if a.size == 1 and b.size > 1:
        return qlinear_add(b, sb, zb, a, sa, za, sc, zc)
    rAC = f32(f32(sa) / f32(sc))
    rBC = f32(f32(sb) / f32(sc))
    fixed = f32(f32(zc) - fma32(rAC, f32(za), f32(rBC * f32(zb))))
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    if b.size == 1:
        fixed = f32(fixed + f32(fb.ravel()[0] * rBC))
        v = fma32(fa, rAC, fixed)
        shape = np.broadcast_shapes(a.shape, b.shape)
    else:
        fa, fb = np.broadcast_arrays(fa, fb)
        v = fma32(fa, rAC, fma32(fb, rBC, fixed))
        shape = fa.shape
    i = np.iinfo(a.dtype)
    return np.clip(np.rint(v), i.min, i.max).astype(a.dtype).reshape(shape)


def qlinear_global_average_pool(x_nchw, si, zi, so, zo):
    """com.microsoft QLinearGlobalAveragePool: int32 sum - zi * HW, times si / (so * HW) (float32), requantize."""
    N, C = x_nchw.shape[:2]
    HW = int(np.prod(x_nchw.shape[2:]))
    acc = x_nchw.astype(np.int64).reshape(N, C, HW).sum(-1) - int(zi) * HW
    return requantize(acc, f32(f32(si) / f32(f32(so) * f32(HW))), zo, np.asarray(zo).dtype).reshape(N, C, 1, 1)


def max_pool(x, k, s, p):
    """MaxPool (any dtype): maximum over the window's input elements; padding never contributes."""
    N, C, H, W = x.shape
    OH = (H + p[0] + p[2] - k[0]) // s[0] + 1
    OW = (W + p[1] + p[3] - k[1]) // s[1] + 1
    y = np.empty((N, C, OH, OW), x.dtype)
    for oy in range(OH):
        for ox in range(OW):
            y0, x0 = oy * s[0] - p[0], ox * s[1] - p[1]
            y[:, :, oy, ox] = x[:, :, max(y0, 0):min(y0 + k[0], H), max(x0, 0):min(x0 + k[1], W)].max(axis=(2, 3))
    return y


# ---- float kernels -------------------------------------------------------------

def global_average_pool_mlas(x):
    """float GlobalAveragePool via MlasPoolGlobalKernel (x: (..., HW)): 4 lane sums of x[i], x[i+4], ...;
    (l0 + l2) + (l1 + l3); the HW % 4 tail added in order; / HW."""
    HW = x.shape[-1]
    n4 = HW // 4 * 4
    lanes = np.zeros(x.shape[:-1] + (4,), np.float32)
    for i in range(0, n4, 4):
        lanes = (lanes + x[..., i:i + 4]).astype(np.float32)
    s = (f32(lanes[..., 0] + lanes[..., 2]) + f32(lanes[..., 1] + lanes[..., 3])).astype(np.float32)
    for i in range(n4, HW):
        s = (s + x[..., i]).astype(np.float32)
    return (s / f32(HW)).astype(np.float32)


def global_average_pool_nchwc(x):
    """float GlobalAveragePool after ORT's NCHWc rewrite (channels % 16 == 0 on AVX512): pixel-order sum, / HW."""
    s = np.zeros(x.shape[:-1], np.float32)
    for i in range(x.shape[-1]):
        s = (s + x[..., i]).astype(np.float32)
    return (s / f32(x.shape[-1])).astype(np.float32)


EXP = dict(LowerRange=f32(-103.9720840454), RoundingBias=f32(12582912.0), Log2Reciprocal=f32(1.44269504088896341),
           Log2High=f32(-6.93145752e-1), Log2Low=f32(-1.42860677e-6),
           poly=[f32(float.fromhex(v)) for v in ("0x1.694000p-10", "0x1.125edcp-7", "0x1.555b5ap-5", "0x1.555450p-3",
                                                  "0x1.fffff6p-2", "0x1.000000p+0", "0x1.000000p+0")])


def exp_mlas(x):
    """exp as MlasComputeSumExpF32KernelAvx512F computes it."""
    x = np.maximum(EXP["LowerRange"], x).astype(np.float32)
    m = (fma32(EXP["Log2Reciprocal"], x, EXP["RoundingBias"]) - EXP["RoundingBias"]).astype(np.float32)
    x = fma32(m, EXP["Log2High"], x)
    x = fma32(m, EXP["Log2Low"], x)
    p = np.full(x.shape, EXP["poly"][0], np.float32)
    for c in EXP["poly"][1:]:
        p = fma32(p, x, c)
    return np.ldexp(p.astype(np.float64), m.astype(np.int64)).astype(np.float32)   # vscalefps


def softmax_row(row):
    """Softmax of one row (AVX512F path): exp(x + (-max)); 16-lane sums (48 at a time, then 16 with a tail mask),
    lanes i and i+8 added, then ((t0+t1)+(t2+t3)) + ((t4+t5)+(t6+t7)); output = e * (1 / sum)."""
    D = row.shape[-1]
    e = exp_mlas((row + f32(-row.max())).astype(np.float32))
    acc = np.zeros(16, np.float32)
    i = 0
    while D - i >= 48:
        for j in range(3):
            acc = (acc + e[i + 16 * j:i + 16 * j + 16]).astype(np.float32)
        i += 48
    while i < D:
        blk = e[i:i + 16]
        acc[:len(blk)] = (acc[:len(blk)] + blk).astype(np.float32)
        i += 16
    t = (acc[8:] + acc[:8]).astype(np.float32)
    s = f32(f32(f32(t[0] + t[1]) + f32(t[2] + t[3])) + f32(f32(t[4] + t[5]) + f32(t[6] + t[7])))
    return (e * f32(f32(1) / s)).astype(np.float32)


def sgemm_stride_k(K, N, trans_a=False):
    """MLAS SGEMM K block length for an N-column slice (MLAS_SGEMM_STRIDEN = STRIDEK = 128 adjusted)."""
    sn, sk = 128, 128
    if N >= K:
        while sk // 2 >= K:
            sn *= 2
            sk //= 2
    elif not trans_a:
        while sn > 16 and sn // 2 >= N:
            sk *= 2
            sn //= 2
    return sk


def sgemm_slice(A, B, alpha=None, stride_k=None):
    """One thread's MLAS SGEMM (M, N > 1): per K block an in-order FMA chain from 0; the first block times alpha,
    later blocks fma(acc, alpha, C)."""
    M, K = A.shape
    N = B.shape[1]
    sk = stride_k or sgemm_stride_k(K, N)
    a = f32(1) if alpha is None else f32(alpha)
    C = None
    for k0 in range(0, K, sk):
        acc = np.zeros((M, N), np.float32)
        for k in range(k0, min(K, k0 + sk)):
            acc = fma32(A[:, k:k + 1], B[k:k + 1, :], acc)
        C = (acc * a).astype(np.float32) if C is None else fma32(acc, a, C)
    return C


def sgemm(A, B, alpha=None, threads=1, thread_complexity=64 * 1024):
    """MLAS SGEMM for M, N > 1 including its 1-D thread partition (N split in 16-column blocks when N > M),
    because each thread's N slice sets its K block length."""
    M, K = A.shape
    N = B.shape[1]
    cx = M * N * K
    target = min(cx // thread_complexity + 1 if cx < thread_complexity * threads else threads, threads)
    if N <= M or target <= 1:
        return sgemm_slice(A, B, alpha)
    blocked = (N + 15) // 16
    tn = min(target, blocked)
    C = np.zeros((M, N), np.float32)
    for t in range(tn):
        per, extra = divmod(blocked, tn)
        start, count = ((per + 1) * t, per + 1) if t < extra else (per * t + extra, per)
        start *= 16
        count = min(N - start, count * 16)
        if count > 0:
            C[:, start:start + count] = sgemm_slice(A, B[:, start:start + count], alpha, sgemm_stride_k(K, count))
    return C
