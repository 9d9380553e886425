"""com.microsoft QLinearAdd against ortk.qlinear_add (the AVX2 kernel) over every pair of 8-bit inputs for
random scales and zero points, with the other candidate formulas (no FMA in the constant, the SSE2 kernel,
the scalar fallback) for contrast, and broadcasting (scalar A, scalar B, row vectors)."""

import sys
import numpy as np
from onnx import helper as h
from ortk import Tally, f32, fma32, qlinear_add, run


def candidates(a, b, sa, za, sb, zb, sc, zc):
    dt = a.dtype
    i = np.iinfo(dt)
    rAC, rBC = f32(sa / sc), f32(sb / sc)
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    sat = lambda v: np.clip(np.rint(v), i.min, i.max).astype(dt)
    out = {}
    for name, inner in [("no FMA in the constant", f32(f32(rAC * f32(za)) + f32(rBC * f32(zb)))),
                        ("FMA on the zb term of the constant", fma32(rBC, f32(zb), f32(rAC * f32(za))))]:
        fixed = f32(f32(zc) - inner)
        out[f"AVX2 kernel but {name}"] = sat(fma32(fa, rAC, fma32(fb, rBC, fixed)))
    fixed = f32(f32(zc) - f32(f32(rAC * f32(za)) + f32(rBC * f32(zb))))
    out["SSE2 kernel ((fixed + a*rAC) + b*rBC, no FMA)"] = sat(((fixed + (fa * rAC).astype(np.float32)).astype(np.float32) + (fb * rBC).astype(np.float32)).astype(np.float32))
    va = (f32(sa) * (a.astype(np.int32) - int(za)).astype(np.float32)).astype(np.float32)
    vb = (f32(sb) * (b.astype(np.int32) - int(zb)).astype(np.float32)).astype(np.float32)
    vc = np.clip(((va + vb).astype(np.float32) / f32(sc)).astype(np.float32), f32(i.min - int(zc)), f32(i.max - int(zc)))
    out["scalar fallback ((sa(a-za) + sb(b-zb)) / sc)"] = sat((vc + f32(zc)).astype(np.float32))
    return out


def qlinear_add_unswapped(a, p, b):
    sa, za, sb, zb, sc, zc = p
    rAC, rBC = f32(sa / sc), f32(sb / sc)
    fixed = f32(f32(zc) - fma32(rAC, f32(za), f32(rBC * f32(zb))))
    fixed = f32(fixed + f32(a.astype(np.float32)[0] * rAC))
    i = np.iinfo(a.dtype)
    return np.clip(np.rint(fma32(b.astype(np.float32), rBC, fixed)), i.min, i.max).astype(a.dtype)


def params(rng, dt):
    info = np.iinfo(dt)
    sa, sb, sc = (rng.uniform(1e-3, 0.1, 3) * np.array([1, rng.uniform(0.2, 5), rng.uniform(0.5, 3)])).astype(np.float32)
    za, zb, zc = (dt(v) for v in rng.integers(info.min, info.max, 3, endpoint=True))
    return sa, za, sb, zb, sc, zc


def qladd(a, b, p):
    sa, za, sb, zb, sc, zc = p
    dt = a.dtype
    (y,) = run([h.make_node("QLinearAdd", ["a", "sa", "za", "b", "sb", "zb", "sc", "zc"], ["y"], domain="com.microsoft")],
               {"a": a, "b": b}, [("y", dt)],
               {"sa": np.array(sa), "za": np.array(za, dt), "sb": np.array(sb), "zb": np.array(zb, dt), "sc": np.array(sc), "zc": np.array(zc, dt)})
    return y


def main(sets=600):
    rng = np.random.default_rng(16)
    t = Tally()
    for k in range(sets):
        dt = np.int8 if k % 2 else np.uint8
        info = np.iinfo(dt)
        allv = np.arange(info.min, info.max + 1)
        a, b = np.repeat(allv, 256).astype(dt), np.tile(allv, 256).astype(dt)
        p = params(rng, dt)
        y = qladd(a, b, p)
        t.add("QLinearAdd, every (a, b) pair: ortk.qlinear_add", y, qlinear_add(a, p[0], p[1], b, p[2], p[3], p[4], p[5]))
        for name, r in candidates(a, b, *p).items():
            t.add(f"  (alternative) {name}", y, r)
    for k in range(2 * sets):
        dt = np.int8 if k % 2 else np.uint8
        info = np.iinfo(dt)
        allv = np.arange(info.min, info.max + 1).astype(dt)
        p = params(rng, dt)
        one = np.array([rng.integers(info.min, info.max, endpoint=True)], dt)
        cases = [("scalar A", one, allv), ("scalar B", allv, one)]
        if k % 12 == 0:
            grid = np.repeat(allv, 256).reshape(256, 256).astype(dt)
            cases += [("row-vector B", grid, allv), ("row-vector A", allv, grid)]
        for name, a, b in cases:
            y = qladd(a, b, p)
            t.add(f"QLinearAdd broadcast, {name}", y, qlinear_add(a, p[0], p[1], b, p[2], p[3], p[4], p[5]))
            if name == "scalar A":
                t.add("  (alternative) scalar A without swapping the operands", y, qlinear_add_unswapped(a, p, b))
    t.report()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
