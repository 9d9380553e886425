"""QLinearGlobalAveragePool (NCHW and channels-last), MaxPool and NhwcMaxPool on 8-bit data, and float
GlobalAveragePool (MLAS global kernel, or ORT's NCHWc rewrite when channels % 16 == 0)."""

import numpy as np
from onnx import helper as h
from ortk import (Tally, f32, global_average_pool_mlas, global_average_pool_nchwc, max_pool,
                  qlinear_global_average_pool, requantize, run)


def main():
    rng = np.random.default_rng(17)
    t = Tally()
    for i in range(2000):
        dt = np.int8 if i % 2 else np.uint8
        info = np.iinfo(dt)
        N, C, H, W = int(rng.integers(1, 3)), int(rng.integers(1, 70)), int(rng.integers(1, 15)), int(rng.integers(1, 15))
        x = rng.integers(info.min, info.max, (N, C, H, W), endpoint=True).astype(dt)
        if i % 3 == 0:   # ratio 1: exact .5 ties when H*W is even
            si = f32(rng.uniform(0.01, 0.1))
            so = si
        else:
            si, so = rng.uniform(1e-3, 0.1, 2).astype(np.float32)
        zi, zo = (dt(v) for v in rng.integers(info.min, info.max, 2, endpoint=True))
        ref = qlinear_global_average_pool(x, si, zi, so, zo)
        HW = H * W
        acc = x.astype(np.int64).reshape(N, C, HW).sum(-1) - int(zi) * HW
        alt = requantize(acc, f32(f32(si / so) / f32(HW)), zo, dt).reshape(N, C, 1, 1)
        for cl in (0, 1):
            xin = x.transpose(0, 2, 3, 1).copy() if cl else x
            (y,) = run([h.make_node("QLinearGlobalAveragePool", ["x", "si", "zi", "so", "zo"], ["y"], domain="com.microsoft", channels_last=cl)],
                       {"x": xin}, [("y", dt)], {"si": np.array(si), "zi": np.array(zi, dt), "so": np.array(so), "zo": np.array(zo, dt)})
            y = y.reshape(N, C, 1, 1)
            t.add(f"QLinearGlobalAveragePool channels_last={cl}", y, ref)
            t.add(f"  (alternative) multiplier (si / so) / HW, channels_last={cl}", y, alt)
    for i in range(300):
        dt = np.int8 if i % 2 else np.uint8
        info = np.iinfo(dt)
        C, H, W = int(rng.integers(1, 20)), int(rng.integers(3, 16)), int(rng.integers(3, 16))   # window fits the input
        k = int(rng.choice([2, 3]))
        s = int(rng.choice([1, 2]))
        p = min(int(rng.integers(0, 2)), k // 2)
        hi = info.min + 40 if i % 5 == 0 else info.max    # sometimes all very negative: padding must not win
        x = rng.integers(info.min, hi, (1, C, H, W), endpoint=True).astype(dt)
        attrs = dict(kernel_shape=[k, k], strides=[s, s], pads=[p] * 4)
        ref = max_pool(x, (k, k), (s, s), (p,) * 4)
        (y,) = run([h.make_node("MaxPool", ["x"], ["y"], **attrs)], {"x": x}, [("y", dt)])
        t.add(f"MaxPool {dt.__name__}", y, ref)
        (yn,) = run([h.make_node("NhwcMaxPool", ["x"], ["y"], domain="com.microsoft", **attrs)], {"x": x.transpose(0, 2, 3, 1).copy()}, [("y", dt)])
        t.add(f"NhwcMaxPool {dt.__name__}", yn.transpose(0, 3, 1, 2), ref)
    for i in range(2000):
        N, H, W = 2, int(rng.integers(1, 20)), int(rng.integers(1, 20))
        C = int(rng.integers(1, 5)) * 16 if i % 2 else int(rng.integers(1, 64))
        x = (rng.standard_normal((N, C, H, W)) * rng.uniform(0.1, 100)).astype(np.float32)
        (y,) = run([h.make_node("GlobalAveragePool", ["x"], ["y"])], {"x": x}, [("y", np.float32)], opset=17)
        y = y.reshape(N, C)
        xf = x.reshape(N, C, H * W)
        if C % 16:
            t.add("float GlobalAveragePool, C % 16 != 0: MLAS global kernel", y, global_average_pool_mlas(xf))
            t.add("  (alternative) pixel-order sum / HW", y, global_average_pool_nchwc(xf))
        else:
            t.add("float GlobalAveragePool, C % 16 == 0: NCHWc pixel-order sum / HW", y, global_average_pool_nchwc(xf))
            t.add("  (alternative) MLAS global kernel", y, global_average_pool_mlas(xf))
    t.report()


if __name__ == "__main__":
    main()
