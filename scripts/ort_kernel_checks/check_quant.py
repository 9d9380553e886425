"""DynamicQuantizeLinear, QuantizeLinear, DequantizeLinear and Cast int32 -> float against ortk's formulas."""

import numpy as np
from onnx import helper as h, TensorProto as T
from ortk import Tally, dql, dequantize, f32, quantize, run


def main():
    rng = np.random.default_rng(11)
    t = Tally()
    for i in range(1500):
        n = int(rng.integers(1, 400))
        kind = i % 5
        if kind == 0:
            x = rng.standard_normal(n) * 10 ** rng.uniform(-3, 3)
        elif kind == 1:
            x = rng.uniform(0.1, 5, n)
        elif kind == 2:
            x = -rng.uniform(0.1, 5, n)
        elif kind == 3:
            x = rng.standard_normal(n) * 3 + rng.uniform(-2, 2)
        else:  # (k + 1/2) * scale in float64: ties of the scale, which the new range mostly keeps
            x = rng.standard_normal(n)
            _, s, _ = dql(x.astype(np.float32))
            x = (np.round(x / s) + 0.5) * np.float64(s)
        x = x.astype(np.float32)
        y, s, z = run([h.make_node("DynamicQuantizeLinear", ["x"], ["y", "s", "z"])], {"x": x},
                      [("y", np.uint8), ("s", np.float32), ("z", np.uint8)])
        q, sr, zr = dql(x)
        t.add("DynamicQuantizeLinear scale", np.float32(s), sr)
        t.add("DynamicQuantizeLinear zero point", np.uint8(z), zr)
        t.add("DynamicQuantizeLinear y = QuantizeLinear(x, scale, zp)", y, q)
        t.add("  (DQL alternative: x * (1 / scale))", y, quantize((x * (f32(1) / sr)).astype(np.float32), f32(1), zr))

    for i in range(400):
        dt = np.int8 if i % 2 else np.uint8
        info = np.iinfo(dt)
        per_axis = i % 4 >= 2
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 9)), int(rng.integers(1, 40)))
        c = shape[1]
        s = rng.uniform(1e-3, 0.2, c if per_axis else ()).astype(np.float32)
        z = rng.integers(info.min, info.max, c if per_axis else (), endpoint=True).astype(dt)
        sb, zb = (s.reshape(1, c, 1), z.reshape(1, c, 1)) if per_axis else (s, z)
        x = (rng.standard_normal(shape) * 100 * np.float64(sb)).astype(np.float32)
        if i % 3 == 0:
            x = ((np.round(x / sb) + 0.5) * sb).astype(np.float32)
        attrs = {"axis": 1} if per_axis else {}
        (y,) = run([h.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], **attrs)], {"x": x}, [("y", dt)], {"s": s, "z": z})
        t.add("QuantizeLinear", y, quantize(x, sb, zb))
        t.add("  (QuantizeLinear alternative: x * (1 / scale))", y, quantize((x * (f32(1) / sb)).astype(np.float32), f32(1), zb))
        q = rng.integers(info.min, info.max, shape, endpoint=True).astype(dt)
        (d,) = run([h.make_node("DequantizeLinear", ["q", "s", "z"], ["d"], **attrs)], {"q": q}, [("d", np.float32)], {"s": s, "z": z})
        t.add("DequantizeLinear", d, dequantize(q, sb, zb))
        t.add("  (alternative: q * scale - zp * scale)", d, (q.astype(np.float32) * sb - zb.astype(np.float32) * sb).astype(np.float32))

    v = np.concatenate([rng.integers(-2**31, 2**31 - 1, 200000, dtype=np.int64), np.arange(2**24 - 8, 2**24 + 40),
                        np.arange(2**25 - 40, 2**25 + 40)]).astype(np.int32)
    (c,) = run([h.make_node("Cast", ["x"], ["y"], to=T.FLOAT)], {"x": v}, [("y", np.float32)])
    t.add("Cast int32 -> float (round to nearest even)", c, v.astype(np.float32))
    t.report()


if __name__ == "__main__":
    main()
