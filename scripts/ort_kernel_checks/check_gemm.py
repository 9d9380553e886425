"""Integer GEMM and convolution kernels: DynamicQuantizeMatMul, MatMulIntegerToFloat, the unfused dynamic
pattern, MatMulInteger, ConvInteger, QLinearMatMul, QGemm, QLinearConv (NCHW and channels-last), and the
evaluation order of the requantization multiplier."""

import numpy as np
import onnxruntime as ort
from onnx import helper as h, TensorProto as T
from ortk import (Tally, conv_integer, dql, f32, fma32, matmul_integer, multiplier, requantize, run, scale_bias)


def dynamic(t, rng, trials=300):
    for i in range(trials):
        M, K, N = int(rng.integers(1, 17)), int(rng.integers(1, 300)), int(rng.integers(1, 70))
        batch = (int(rng.integers(1, 3)),) if i % 3 == 0 else ()
        signed, per_col = i % 2 == 0, i % 4 < 2
        a = (rng.standard_normal(batch + (M, K)) * rng.uniform(0.1, 5) + rng.uniform(-1, 1)).astype(np.float32)
        if signed:
            b = rng.integers(-127, 127, (K, N), endpoint=True).astype(np.int8)
            bz = np.zeros(N if per_col else (), np.int8)
        else:
            b = rng.integers(0, 255, (K, N), endpoint=True).astype(np.uint8)
            bz = rng.integers(0, 255, N if per_col else (), endpoint=True).astype(np.uint8)
        bs = rng.uniform(1e-3, 2e-2, N if per_col else ()).astype(np.float32)
        bias = (rng.standard_normal(N) * 0.5).astype(np.float32)
        q, s, z = dql(a)
        acc = matmul_integer(q, z, b, bz)
        mult = (s * bs).astype(np.float32)
        ref = scale_bias(acc, mult, bias)
        init = {"b": b, "bs": bs, "bz": bz, "bias": bias}
        (y,) = run([h.make_node("DynamicQuantizeMatMul", ["a", "b", "bs", "bz", "bias"], ["y"], domain="com.microsoft")],
                   {"a": a}, [("y", np.float32)], init)
        t.add("DynamicQuantizeMatMul", y, ref)
        t.add("  (alternative: fma(acc, sa*sb, bias))", y, fma32(acc.astype(np.float32), mult, bias))
        t.add("  (alternative: (acc * sa) * sb + bias)", y, ((acc.astype(np.float32) * s * bs).astype(np.float32) + bias).astype(np.float32))
        nodes = [h.make_node("DynamicQuantizeLinear", ["a"], ["aq", "as", "az"]), h.make_node("Mul", ["as", "bs"], ["m"]),
                 h.make_node("MatMulInteger", ["aq", "b", "az", "bz"], ["acc"]), h.make_node("Cast", ["acc"], ["accf"], to=T.FLOAT),
                 h.make_node("Mul", ["accf", "m"], ["o"]), h.make_node("Add", ["o", "bias"], ["y"])]
        (yu,) = run(nodes, {"a": a}, [("y", np.float32)], init, level=ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
        t.add("DQL+MatMulInteger+Cast+Mul+Add unfused (ORT_DISABLE_ALL)", yu, ref)
        (ym,) = run([h.make_node("MatMulIntegerToFloat", ["aq", "b", "as", "bs", "az", "bz", "bias"], ["y"], domain="com.microsoft")],
                    {"aq": q}, [("y", np.float32)], {**init, "as": np.array(s, np.float32), "az": np.array(z, np.uint8)})
        t.add("MatMulIntegerToFloat", ym, ref)


def quantized(t, rng, trials=200):
    for i in range(trials):
        adt = np.int8 if i % 2 else np.uint8
        ai = np.iinfo(adt)
        per_col = i % 4 < 2
        M, K, N = int(rng.integers(1, 40)), int(rng.integers(1, 200)), int(rng.integers(1, 64))
        A = rng.integers(ai.min, ai.max, (M, K), endpoint=True).astype(adt)
        B = rng.integers(-127, 127, (K, N), endpoint=True).astype(np.int8)
        za, zy = (adt(v) for v in rng.integers(ai.min, ai.max, 2, endpoint=True))
        zb = np.zeros(N if per_col else (), np.int8)
        sa, sy = f32(rng.uniform(0.005, 0.05)), f32(rng.uniform(0.05, 2))
        sb = rng.uniform(1e-3, 2e-2, N if per_col else ()).astype(np.float32)
        acc = matmul_integer(A, za, B, zb)
        tag = f"{'s8' if adt == np.int8 else 'u8'} x s8"
        init = {"sa": np.array(sa), "za": np.array(za, adt), "B": B, "sb": sb, "zb": zb, "sy": np.array(sy), "zy": np.array(zy, adt)}
        (y,) = run([h.make_node("QLinearMatMul", ["a", "sa", "za", "B", "sb", "zb", "sy", "zy"], ["y"])], {"a": A}, [("y", adt)], init)
        t.add(f"QLinearMatMul {tag}", y, requantize(acc, multiplier(sa, sb, sy), zy, adt))
        bias = rng.integers(-50000, 50000, N).astype(np.int32)
        gi = {**init, "BT": B.T.copy(), "c": bias}
        (yg,) = run([h.make_node("QGemm", ["a", "sa", "za", "BT", "sb", "zb", "c", "sy", "zy"], ["y"], domain="com.microsoft", transB=1)],
                    {"a": A}, [("y", adt)], gi)
        t.add(f"QGemm {tag}, quantized output", yg, requantize(acc + bias, multiplier(sa, sb, sy), zy, adt))
        (yf,) = run([h.make_node("QGemm", ["a", "sa", "za", "BT", "sb", "zb", "c"], ["y"], domain="com.microsoft", transB=1)],
                    {"a": A}, [("y", np.float32)], gi)
        t.add(f"QGemm {tag}, float output", yf, scale_bias(acc + bias, (sa * sb).astype(np.float32), None))
        for bdt in (np.int8, np.uint8):
            bi = np.iinfo(bdt)
            Bf = rng.integers(bi.min, bi.max, (K, N), endpoint=True).astype(bdt)
            zbf = rng.integers(bi.min, bi.max, N if per_col else (), endpoint=True).astype(bdt)
            (yi,) = run([h.make_node("MatMulInteger", ["a", "B", "za", "zb"], ["y"])], {"a": A}, [("y", np.int32)],
                        {"B": Bf, "za": np.array(za, adt), "zb": zbf})
            t.add(f"MatMulInteger {'s8' if adt == np.int8 else 'u8'} x {'s8' if bdt == np.int8 else 'u8'}, full ranges",
                  yi, matmul_integer(A, za, Bf, zbf).astype(np.int32))
        if adt == np.uint8:
            C, Mo, H, W, k = (int(v) for v in (rng.integers(1, 9), rng.integers(1, 17), rng.integers(3, 12), rng.integers(3, 12), rng.choice([1, 3])))
            s, p = int(rng.integers(1, 3)), k // 2
            x = rng.integers(0, 255, (1, C, H, W), endpoint=True).astype(np.uint8)
            for wdt in (np.int8, np.uint8):
                wi = np.iinfo(wdt)
                w = rng.integers(wi.min, wi.max, (Mo, C, k, k), endpoint=True).astype(wdt)
                zw = wdt(rng.integers(wi.min, wi.max, endpoint=True))
                zx = np.uint8(rng.integers(0, 255, endpoint=True))
                (yc,) = run([h.make_node("ConvInteger", ["x", "w", "zx", "zw"], ["y"], kernel_shape=[k, k], pads=[p] * 4, strides=[s, s])],
                            {"x": x}, [("y", np.int32)], {"w": w, "zx": np.array(zx), "zw": np.array(zw, wdt)})
                t.add(f"ConvInteger u8 x {'s8' if wdt == np.int8 else 'u8'}", yc,
                      conv_integer(x, w, zx, np.full(Mo, int(zw)), (s, s), (p,) * 4).astype(np.int32))


def qlinear_conv(t, rng, trials=300):
    for i in range(trials):
        xdt = np.int8 if i % 2 else np.uint8
        xi = np.iinfo(xdt)
        depthwise = i % 5 == 4
        C, H, W, k = int(rng.integers(1, 20)), int(rng.integers(3, 14)), int(rng.integers(3, 14)), int(rng.choice([1, 3, 5]))
        group = C if depthwise else 1
        M = C if depthwise else int(rng.integers(1, 40))
        stride = (int(rng.integers(1, 3)),) * 2
        pads = (k // 2,) * 4
        x = rng.integers(xi.min, xi.max, (1, C, H, W), endpoint=True).astype(xdt)
        w = rng.integers(-127, 127, (M, C // group, k, k), endpoint=True).astype(np.int8)
        zw = np.zeros(M, np.int8)
        sw = rng.uniform(1e-3, 2e-2, M).astype(np.float32)
        sx, sy = f32(rng.uniform(0.005, 0.05)), f32(rng.uniform(0.02, 0.5))
        zx, zy = (xdt(v) for v in rng.integers(xi.min, xi.max, 2, endpoint=True))
        bias = rng.integers(-20000, 20000, M).astype(np.int32)
        acc = conv_integer(x, w, zx, zw, stride, pads, (1, 1), group) + bias.reshape(1, -1, 1, 1)
        ref = requantize(acc, multiplier(sx, sw, sy).reshape(1, -1, 1, 1), zy, xdt)
        init = {"sx": np.array(sx), "zx": np.array(zx, xdt), "w": w, "sw": sw, "zw": zw, "sy": np.array(sy), "zy": np.array(zy, xdt), "b": bias}
        ins = ["x", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"]
        attrs = dict(kernel_shape=[k, k], pads=list(pads), strides=list(stride), group=group)
        tag = f"{'s8' if xdt == np.int8 else 'u8'} x s8 {'depthwise' if depthwise else 'dense'}"
        (y,) = run([h.make_node("QLinearConv", ins, ["y"], **attrs)], {"x": x}, [("y", xdt)], init)
        t.add(f"QLinearConv NCHW {tag}", y, ref)
        (yc,) = run([h.make_node("QLinearConv", ins, ["y"], domain="com.microsoft", channels_last=1, **attrs)],
                    {"x": x.transpose(0, 2, 3, 1).copy()}, [("y", xdt)], init)
        t.add(f"com.microsoft QLinearConv channels_last {tag}", yc.transpose(0, 3, 1, 2), ref)


def multiplier_order(t, rng, trials=40):
    """Scales where x*w/y, x*(w/y) and (x/y)*w differ in float32, with accumulators (bias sweeps) that flip."""
    accs = np.arange(-30000, 30000, dtype=np.int64)

    def channel(sx, sy):
        while True:
            sw = f32(rng.uniform(1e-3, 2e-2))
            m = {"(x*w)/y": f32(f32(sx * sw) / sy), "x*(w/y)": f32(sx * f32(sw / sy)), "(x/y)*w": f32(f32(sx / sy) * sw)}
            if len(set(m.values())) == 1:
                continue
            r = {k: np.rint(accs.astype(np.float32) * v) for k, v in m.items()}
            ok = ((r["(x*w)/y"] != r["x*(w/y)"]) | (r["(x*w)/y"] != r["(x/y)*w"])) & (np.abs(r["(x*w)/y"]) < 100)
            if ok.any():
                return sw, int(accs[ok][0]), m

    for i in range(trials):
        xdt = np.int8 if i % 2 else np.uint8
        xi = np.iinfo(xdt)
        sx, sy = f32(rng.uniform(0.005, 0.05)), f32(rng.uniform(0.05, 0.5))
        zx = zy = xdt(0 if xdt == np.int8 else 128)
        M = 16
        chans = [channel(sx, sy) for _ in range(M)]
        sw = np.array([c[0] for c in chans], np.float32)
        bias = np.array([c[1] for c in chans], np.int32)
        allx = np.arange(xi.min, xi.max + 1).astype(xdt)
        init = {"sx": np.array(sx), "zx": np.array(zx, xdt), "w": np.ones((M, 1, 1, 1), np.int8), "sw": sw, "zw": np.zeros(M, np.int8),
                "sy": np.array(sy), "zy": np.array(zy, xdt), "b": bias}
        ins = ["x", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"]
        x = allx.reshape(1, 1, 16, 16)
        acc = (allx.astype(np.int64) - int(zx)).reshape(1, 1, 16, 16) + bias.reshape(1, M, 1, 1)
        (y,) = run([h.make_node("QLinearConv", ins, ["y"], kernel_shape=[1, 1])], {"x": x}, [("y", xdt)], init)
        (yc,) = run([h.make_node("QLinearConv", ins, ["y"], domain="com.microsoft", channels_last=1, kernel_shape=[1, 1])],
                    {"x": x.transpose(0, 2, 3, 1).copy()}, [("y", xdt)], init)
        accg = (allx.astype(np.int64) - int(zx)).reshape(256, 1) + bias.reshape(1, M)
        (yg,) = run([h.make_node("QGemm", ["a", "sx", "zx", "bT", "sw", "zw", "b", "sy", "zy"], ["y"], domain="com.microsoft", transB=1)],
                    {"a": allx.reshape(256, 1)}, [("y", xdt)], {**init, "bT": np.ones((M, 1), np.int8)})
        for k in chans[0][2]:
            m = np.array([c[2][k] for c in chans], np.float32)
            alt = "" if k == "(x*w)/y" else "  (alternative) "
            t.add(f"{alt}multiplier {k}: QLinearConv NCHW", y, requantize(acc, m.reshape(1, M, 1, 1), zy, xdt))
            t.add(f"{alt}multiplier {k}: QLinearConv channels_last", yc.transpose(0, 3, 1, 2), requantize(acc, m.reshape(1, M, 1, 1), zy, xdt))
            t.add(f"{alt}multiplier {k}: QGemm", yg, requantize(accg, m.reshape(1, M), zy, xdt))


def main():
    rng = np.random.default_rng(14)
    t = Tally()
    dynamic(t, rng)
    quantized(t, rng)
    qlinear_conv(t, rng)
    multiplier_order(t, rng)
    t.report()


if __name__ == "__main__":
    main()
