#!/usr/bin/env python3
"""Generates the ONNX Runtime golden fixtures under sim/tests/fixtures/ort/.

Each case is a tiny ONNX graph (MatMulInteger, QLinearMatMul, QLinearConv,
QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear) built with
onnx.helper and run on onnxruntime's CPU provider, or a call into
onnxruntime's Python quantizer (compute_data_quant_params) for scale and zero
point. Inputs and outputs are stored as small .npy files and listed in
cases.json; sim/tests/quant_ort.rs replays every case against sim::quant and
demands bit-exact agreement.

Usage: python3 scripts/make_ort_fixtures.py [--venv DIR]

The script never installs into the repository: it creates (or reuses) a
virtualenv outside it, /tmp/systolic-ort-venv by default, installs
onnxruntime, onnx and numpy there from PyPI, and re-runs itself with that
interpreter. Set SYSTOLIC_ORT_UNPINNED=1 to take the newest versions instead
of the pinned ones.

Integer-op inputs keep signed weights within [-64, 64]: on x86 CPUs without
VNNI, onnxruntime's u8 x s8 GEMM uses VPMADDUBSW, whose 16-bit pair sums
saturate for full-range int8 weights (the reason onnxruntime documents
reduce_range). Within that range onnxruntime's results equal the exact integer
arithmetic on every CPU, which this script checks before writing anything.
"""

import argparse

import fixture_venv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "tests" / "fixtures" / "ort"
DEFAULT_VENV = Path(tempfile.gettempdir()) / "systolic-ort-venv"
PINNED = ["onnxruntime==1.32.0", "onnx==1.23.2", "numpy==2.4.6"]
UNPINNED = ["onnxruntime", "onnx", "numpy"]
SIZE_BUDGET = 200 * 1024


def ensure_venv(venv: Path) -> None:
    """Re-executes this script inside `venv`, creating it first if needed."""
    unpinned = bool(os.environ.get("SYSTOLIC_ORT_UNPINNED"))
    fixture_venv.ensure_venv(venv, UNPINNED if unpinned else PINNED, "import onnxruntime, onnx, numpy", unpinned)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="virtualenv to use (outside the repo)")
    args = parser.parse_args()
    ensure_venv(args.venv)
    Generator().run()


class Generator:
    """Builds every case, checks it, and writes the fixture directory."""

    def __init__(self):
        import numpy as np
        import onnx
        import onnxruntime as ort

        self.np, self.onnx, self.ort = np, onnx, ort
        self.rng = np.random.default_rng(20240611)
        self.cases = []
        self.files = {}

    # ---- helpers -------------------------------------------------------

    def save(self, case: str, name: str, array) -> str:
        """Queues `array` as <case>.<name>.npy and returns the file name."""
        file = f"{case}.{name}.npy"
        assert file not in self.files, file
        self.files[file] = self.np.ascontiguousarray(array)
        return file

    def run_graph(self, nodes, inputs, outputs, feeds, initializers=(), opset=21):
        """Runs a one-graph model on the CPU provider and returns its outputs."""
        from onnx import helper

        graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 10
        self.onnx.checker.check_model(model)
        opts = self.ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = self.ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        return sess.run(None, feeds)

    def tensor_type(self, dtype):
        from onnx import TensorProto

        return {
            "uint8": TensorProto.UINT8,
            "int8": TensorProto.INT8,
            "uint16": TensorProto.UINT16,
            "int16": TensorProto.INT16,
            "int32": TensorProto.INT32,
            "float32": TensorProto.FLOAT,
        }[self.np.dtype(dtype).name]

    def ints(self, dtype, shape, lo=None, hi=None):
        """Uniform random integers of `dtype`, optionally within [lo, hi]."""
        info = self.np.iinfo(dtype)
        lo = info.min if lo is None else max(lo, info.min)
        hi = info.max if hi is None else min(hi, info.max)
        return self.rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)

    def weight_ints(self, dtype, shape):
        """Weights: full range for uint8, [-64, 64] for int8 (see module docs)."""
        if self.np.dtype(dtype) == self.np.int8:
            return self.ints(dtype, shape, -64, 64)
        return self.ints(dtype, shape)

    # ---- MatMulInteger -------------------------------------------------

    def matmul_integer(self, name, adt, bdt, m, k, n, a_zp, b_zp):
        """A (m x k) times B (k x n) with zero points; b_zp may be per column."""
        np = self.np
        from onnx import helper

        a = self.ints(adt, (m, k))
        b = self.weight_ints(bdt, (k, n))
        feeds = {"a": a, "b": b}
        ins = ["a", "b"]
        vi = [
            helper.make_tensor_value_info("a", self.tensor_type(adt), [m, k]),
            helper.make_tensor_value_info("b", self.tensor_type(bdt), [k, n]),
        ]
        files = {"a": self.save(name, "a", a), "b": self.save(name, "b", b)}
        if a_zp is not None:
            azp = np.array(a_zp, dtype=adt)
            feeds["a_zero_point"] = azp
            vi.append(helper.make_tensor_value_info("a_zero_point", self.tensor_type(adt), list(azp.shape)))
            files["a_zero_point"] = self.save(name, "a_zero_point", azp.reshape(-1))
        else:
            azp = np.zeros(1, dtype=adt)
        ins.append("a_zero_point" if a_zp is not None else "")
        if b_zp is not None:
            bzp = np.array(b_zp, dtype=bdt)
            feeds["b_zero_point"] = bzp
            vi.append(helper.make_tensor_value_info("b_zero_point", self.tensor_type(bdt), list(bzp.shape)))
            files["b_zero_point"] = self.save(name, "b_zero_point", bzp.reshape(-1))
        else:
            bzp = np.zeros(1, dtype=bdt)
        ins.append("b_zero_point" if b_zp is not None else "")
        while ins and ins[-1] == "":
            ins.pop()
        node = helper.make_node("MatMulInteger", ins, ["y"])
        out = helper.make_tensor_value_info("y", self.onnx.TensorProto.INT32, [m, n])
        (y,) = self.run_graph([node], vi, [out], feeds)
        exact = (a.astype(np.int64) - azp.astype(np.int64)) @ (b.astype(np.int64) - bzp.astype(np.int64))
        assert np.array_equal(y.astype(np.int64), exact), f"{name}: onnxruntime differs from exact arithmetic"
        files["y"] = self.save(name, "y", y)
        self.cases.append({"name": name, "op": "MatMulInteger", "m": m, "k": k, "n": n, "files": files})

    # ---- QLinearMatMul -------------------------------------------------

    def qlinear_matmul(self, name, dt, bdt, m, k, n, a_scale, a_zp, b_scales, b_zps, y_scale, y_zp, small=None,
                       fixed=None):
        """QLinearMatMul; b scale and zero point may be per column.

        `small` limits a and b to [-small, small] (around zero points 0), so
        that with power-of-two scales many products land exactly on .5 ties.
        """
        np = self.np
        from onnx import helper

        if fixed is not None:
            a, b = (np.asarray(v, t).reshape(shape) for v, t, shape in zip(fixed, (dt, bdt), ((m, k), (k, n))))
        elif small is None:
            a = self.ints(dt, (m, k))
            b = self.weight_ints(bdt, (k, n))
        else:
            a = self.ints(dt, (m, k), -small, small)
            b = self.ints(bdt, (k, n), -small, small)
        t = {
            "a": a,
            "a_scale": np.array(a_scale, np.float32),
            "a_zero_point": np.array(a_zp, dt),
            "b": b,
            "b_scale": np.array(b_scales, np.float32),
            "b_zero_point": np.array(b_zps, bdt),
            "y_scale": np.array(y_scale, np.float32),
            "y_zero_point": np.array(y_zp, dt),
        }
        vi = [helper.make_tensor_value_info(key, self.tensor_type(v.dtype), list(v.shape)) for key, v in t.items()]
        node = helper.make_node("QLinearMatMul", list(t), ["y"])
        out = helper.make_tensor_value_info("y", self.tensor_type(dt), [m, n])
        (y,) = self.run_graph([node], vi, [out], t)
        files = {key: self.save(name, key, v.reshape(v.shape if v.ndim == 2 else (-1,))) for key, v in t.items()}
        files["y"] = self.save(name, "y", y)
        self.cases.append({"name": name, "op": "QLinearMatMul", "m": m, "k": k, "n": n, "files": files})

    def multiplier_order(self):
        """A QLinearMatMul whose output depends on evaluating the multiplier
        as (a_scale * b_scale) / y_scale in float32, as ORT does: finds scales
        for which a_scale * (b_scale / y_scale) rounds differently, and an
        accumulator p * q for which that flips the requantized output."""
        np = self.np
        f = np.float32
        accs = np.arange(1, 255 * 255 + 1, dtype=np.int64)
        for _ in range(10000):
            a_s, b_s, y_s = (f(v) for v in self.rng.uniform(0.001, 0.1, 3))
            m_ort = f(f(a_s * b_s) / y_s)
            m_other = f(a_s * f(b_s / y_s))
            if m_ort == m_other:
                continue
            r_ort = np.rint(accs.astype(np.float32) * m_ort)
            r_other = np.rint(accs.astype(np.float32) * m_other)
            for acc in accs[(r_ort != r_other) & (r_ort <= 200)]:
                p = next((p for p in range(1, 256) if acc % p == 0 and acc // p <= 255), None)
                if p is not None:
                    self.qlinear_matmul("qlmm_u8u8_multiplier_order", np.uint8, np.uint8, 1, 1, 1, a_s, 0, b_s, 0,
                                        y_s, 0, fixed=([p], [acc // p]))
                    return
        sys.exit("error: found no scales that pin the multiplier's evaluation order")

    # ---- QLinearConv ---------------------------------------------------

    def qlinear_conv(self, name, xdt, wdt, x_shape, w_shape, strides, pads, dilations, group, per_channel, bias,
                     ties=False):
        """QLinearConv with W (and bias) as initializers, as a quantizer emits them.

        `ties` uses small int8 values and power-of-two scales so that many
        outputs fall exactly halfway between two integers before rounding.
        """
        np = self.np
        from onnx import helper, numpy_helper

        mch = w_shape[0]
        x = self.ints(xdt, x_shape, -6, 6) if ties else self.ints(xdt, x_shape)
        w = self.ints(wdt, w_shape, -6, 6) if ties else self.weight_ints(wdt, w_shape)
        x_scale = np.array(self.rng.uniform(0.01, 0.05), np.float32)
        x_zp = np.array(self.ints(xdt, (), -20 if xdt == np.int8 else 100, 20 if xdt == np.int8 else 150), xdt)
        if ties:
            assert xdt == np.int8 and wdt == np.int8
            x_scale, x_zp = np.array(0.5, np.float32), np.array(0, xdt)
            w_scale = np.array([2.0 ** -(i % 3) for i in range(mch)], np.float32)
            w_zp = np.zeros((mch,), wdt)
        elif per_channel:
            w_scale = self.rng.uniform(0.002, 0.02, size=(mch,)).astype(np.float32)
            w_zp = np.zeros((mch,), wdt) if wdt == np.int8 else np.full((mch,), 128, wdt)
        else:
            w_scale = np.array(self.rng.uniform(0.002, 0.02), np.float32)
            w_zp = np.array(0 if wdt == np.int8 else 131, wdt)
        # A small output scale makes a good share of outputs saturate.
        y_scale = np.array(4.0 if ties else self.rng.uniform(0.02, 0.06), np.float32)
        y_zp = np.array(-5 if xdt == np.int8 else 120, xdt)
        feeds = {"x": x, "x_scale": x_scale, "x_zero_point": x_zp}
        inits = {"w": w, "w_scale": w_scale, "w_zero_point": w_zp}
        inits_after = {"y_scale": y_scale, "y_zero_point": y_zp}
        if bias:
            inits_after["b"] = self.ints(np.int32, (mch,), -100 if ties else -3000, 100 if ties else 3000)
        vi = [helper.make_tensor_value_info(k, self.tensor_type(v.dtype), list(v.shape)) for k, v in feeds.items()]
        initializers = [numpy_helper.from_array(v, k) for k, v in {**inits, **inits_after}.items()]
        order = ["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point"]
        if bias:
            order.append("b")
        node = helper.make_node(
            "QLinearConv",
            order,
            ["y"],
            strides=list(strides),
            pads=list(pads),
            dilations=list(dilations),
            group=group,
            kernel_shape=list(w_shape[2:]),
        )
        oh = (x_shape[2] + pads[0] + pads[2] - dilations[0] * (w_shape[2] - 1) - 1) // strides[0] + 1
        ow = (x_shape[3] + pads[1] + pads[3] - dilations[1] * (w_shape[3] - 1) - 1) // strides[1] + 1
        out = helper.make_tensor_value_info("y", self.tensor_type(xdt), [x_shape[0], mch, oh, ow])
        (y,) = self.run_graph([node], vi, [out], feeds, initializers)
        self.check_conv_exact(name, x, x_zp, w, w_zp, inits_after.get("b"), strides, pads, dilations, group,
                              x_scale * w_scale / y_scale, y_zp, y)
        files = {}
        for key, v in {**feeds, **inits, **inits_after}.items():
            files[key] = self.save(name, key, v if v.ndim >= 1 else v.reshape(1))
        files["y"] = self.save(name, "y", y.reshape(y.shape[0] * y.shape[1], -1))
        self.cases.append(
            {
                "name": name,
                "op": "QLinearConv",
                "x_shape": list(x_shape),
                "w_shape": list(w_shape),
                "y_shape": list(y.shape),
                "strides": list(strides),
                "pads": list(pads),
                "dilations": list(dilations),
                "group": group,
                "files": files,
            }
        )

    def check_conv_exact(self, name, x, x_zp, w, w_zp, b, strides, pads, dilations, group, mult, y_zp, y):
        """Checks that onnxruntime's integer part is the exact convolution.

        Recomputes the int32 accumulators with numpy and confirms that every
        onnxruntime output is within one step of float requantization of them
        (the bit-exact comparison is the Rust test's job), so a saturating
        integer kernel would be caught here instead of in the golden files.
        """
        np = self.np
        n, c, h, wd = x.shape
        mch, cg, kh, kw = w.shape
        xp = np.full((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]), x_zp, np.int64)
        xp[:, :, pads[0] : pads[0] + h, pads[1] : pads[1] + wd] = x
        xp -= np.int64(x_zp)
        wz = w.astype(np.int64) - np.broadcast_to(np.asarray(w_zp, np.int64).reshape(-1, 1, 1, 1), w.shape)
        oh, ow = y.shape[2], y.shape[3]
        acc = np.zeros((n, mch, oh, ow), np.int64)
        mg = mch // group
        for oc in range(mch):
            g = oc // mg
            for i in range(kh):
                for j in range(kw):
                    r0, c0 = i * dilations[0], j * dilations[1]
                    patch = xp[:, g * cg : (g + 1) * cg, r0 : r0 + strides[0] * oh : strides[0],
                               c0 : c0 + strides[1] * ow : strides[1]]
                    acc[:, oc] += np.einsum("nchw,c->nhw", patch, wz[oc, :, i, j])
        if b is not None:
            acc += b.astype(np.int64).reshape(1, -1, 1, 1)
        m = np.broadcast_to(np.asarray(mult, np.float64).reshape(-1), (mch,)).reshape(1, -1, 1, 1)
        info = np.iinfo(y.dtype)
        approx = np.clip(np.round(acc * m) + int(y_zp), info.min, info.max)
        assert np.abs(approx - y.astype(np.int64)).max() <= 1, f"{name}: onnxruntime's accumulators are not exact"

    # ---- QuantizeLinear / DequantizeLinear -----------------------------

    def quantize_linear(self, name, x, scale, zp, axis=None):
        np = self.np
        from onnx import helper

        t = {"x": x.astype(np.float32), "y_scale": np.array(scale, np.float32), "y_zero_point": np.array(zp)}
        vi = [helper.make_tensor_value_info(k, self.tensor_type(v.dtype), list(v.shape)) for k, v in t.items()]
        attrs = {} if axis is None else {"axis": axis}
        node = helper.make_node("QuantizeLinear", list(t), ["y"], **attrs)
        out = helper.make_tensor_value_info("y", self.tensor_type(t["y_zero_point"].dtype), list(x.shape))
        (y,) = self.run_graph([node], vi, [out], t)
        files = {k: self.save(name, k, v if v.ndim >= 1 else v.reshape(1)) for k, v in t.items()}
        files["y"] = self.save(name, "y", y)
        self.cases.append({"name": name, "op": "QuantizeLinear", "axis": axis, "shape": list(x.shape), "files": files})

    def quantize_division(self):
        """QuantizeLinear inputs near ties where x / scale and x * (1 / scale)
        round differently in float32, pinning that ORT divides."""
        np = self.np
        f = np.float32
        for s in self.rng.uniform(0.001, 0.1, 1000):
            scale = f(s)
            ties = ((np.arange(-127, 127) + 0.5) * scale).astype(np.float32)
            x = np.concatenate([ties, np.nextafter(ties, f(np.inf)), np.nextafter(ties, f(-np.inf))])
            differ = x[np.rint(x / scale) != np.rint(x * (f(1) / scale))]
            if len(differ) >= 8:
                self.quantize_linear("q_i8_division_not_reciprocal", differ[:32], scale, np.int8(0))
                return
        sys.exit("error: found no scale that tells division from reciprocal multiplication")

    def dequantize_linear(self, name, x, scale, zp, axis=None):
        np = self.np
        from onnx import helper

        t = {"x": x, "x_scale": np.array(scale, np.float32), "x_zero_point": np.array(zp, x.dtype)}
        vi = [helper.make_tensor_value_info(k, self.tensor_type(v.dtype), list(v.shape)) for k, v in t.items()]
        attrs = {} if axis is None else {"axis": axis}
        node = helper.make_node("DequantizeLinear", list(t), ["y"], **attrs)
        out = helper.make_tensor_value_info("y", self.onnx.TensorProto.FLOAT, list(x.shape))
        (y,) = self.run_graph([node], vi, [out], t)
        files = {k: self.save(name, k, v if v.ndim >= 1 else v.reshape(1)) for k, v in t.items()}
        files["y"] = self.save(name, "y", y)
        self.cases.append(
            {"name": name, "op": "DequantizeLinear", "axis": axis, "shape": list(x.shape), "files": files}
        )

    def dynamic_quantize_linear(self, name, x):
        np = self.np
        from onnx import TensorProto, helper

        vi = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))]
        node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "y_scale", "y_zero_point"])
        outs = [
            helper.make_tensor_value_info("y", TensorProto.UINT8, list(x.shape)),
            helper.make_tensor_value_info("y_scale", TensorProto.FLOAT, []),
            helper.make_tensor_value_info("y_zero_point", TensorProto.UINT8, []),
        ]
        y, s, z = self.run_graph([node], vi, outs, {"x": x.astype(np.float32)})
        files = {
            "x": self.save(name, "x", x.astype(np.float32)),
            "y": self.save(name, "y", y),
            "y_scale": self.save(name, "y_scale", np.asarray(s, np.float32).reshape(1)),
            "y_zero_point": self.save(name, "y_zero_point", np.asarray(z).reshape(1)),
        }
        self.cases.append({"name": name, "op": "DynamicQuantizeLinear", "files": files})

    # ---- quantizer parameters (Python tool) ----------------------------

    def quant_params(self, name, data, qtype, symmetric, axis=None):
        """Scale/zero point from onnxruntime.quantization's compute_data_quant_params."""
        np = self.np
        from onnxruntime.quantization.quant_utils import compute_data_quant_params

        onnx_type = self.tensor_type(qtype)
        data = data.astype(np.float32)
        if axis is None:
            zps, scales = compute_data_quant_params(data.ravel(), onnx_type, symmetric)
            zps, scales = np.asarray(zps).reshape(1), np.asarray(scales, np.float32).reshape(1)
        else:
            pairs = [compute_data_quant_params(data.take(i, axis).ravel(), onnx_type, symmetric)
                     for i in range(data.shape[axis])]
            zps = np.array([np.asarray(z) for z, _ in pairs])
            scales = np.array([np.asarray(s) for _, s in pairs], np.float32)
        assert zps.dtype == np.dtype(qtype), (zps.dtype, qtype)
        files = {
            "data": self.save(name, "data", data),
            "scale": self.save(name, "scale", scales),
            "zero_point": self.save(name, "zero_point", zps),
        }
        self.cases.append(
            {"name": name, "op": "QuantParams", "symmetric": symmetric, "axis": axis, "files": files}
        )

    # ---- npy format fixtures -------------------------------------------

    def npy_samples(self):
        """Plain numpy-written arrays for sim::npy's reader tests."""
        np = self.np
        samples = {
            "npy_i8.npy": np.arange(-6, 6, dtype=np.int8).reshape(3, 4),
            "npy_u8.npy": np.array([0, 1, 127, 128, 255], np.uint8),
            "npy_i16.npy": np.array([[-32768, -1, 0], [1, 2, 32767]], np.int16),
            "npy_i32.npy": np.array([[-(2**31), 7], [2**31 - 1, -7]], np.int32),
            "npy_i64.npy": np.array([-(2**63), -1, 0, 2**40, 2**63 - 1], np.int64),
            "npy_f32.npy": np.array([[0.5, -1.25, 3.0e-8], [np.inf, -0.0, 1.0e30]], np.float32),
        }
        for file, arr in samples.items():
            self.files[file] = arr
        # Format version 2.0 (4-byte header length), written explicitly.
        self.files["npy_v2_i32.npy"] = ("v2", np.arange(6, dtype=np.int32).reshape(2, 3))

    # ---- the case list -------------------------------------------------

    def build(self):
        np = self.np
        u8, i8, i16 = np.uint8, np.int8, np.int16

        # MatMulInteger: 1xK, Kx1, ragged and tiny shapes; scalar and per-column zero points.
        self.matmul_integer("mmi_u8u8_1x16x8", u8, u8, 1, 16, 8, 131, 117)
        self.matmul_integer("mmi_u8u8_8x16x1", u8, u8, 8, 16, 1, 0, 255)
        self.matmul_integer("mmi_u8u8_5x7x3", u8, u8, 5, 7, 3, 128, 3)
        self.matmul_integer("mmi_u8u8_17x33x9", u8, u8, 17, 33, 9, 255, 0)
        self.matmul_integer("mmi_u8u8_1x1x1", u8, u8, 1, 1, 1, 200, 10)
        self.matmul_integer("mmi_u8u8_3x5x4_no_zp", u8, u8, 3, 5, 4, None, None)
        self.matmul_integer("mmi_u8s8_5x7x3", u8, i8, 5, 7, 3, 97, -7)
        self.matmul_integer("mmi_u8s8_4x9x6_col_zp", u8, i8, 4, 9, 6, 12, [-3, 0, 5, 64, -64, 1])
        self.matmul_integer("mmi_s8s8_5x7x3", i8, i8, 5, 7, 3, -128, 9)
        self.matmul_integer("mmi_s8s8_1x13x1", i8, i8, 1, 13, 1, 127, -64)
        self.matmul_integer("mmi_s8s8_3x1x4", i8, i8, 3, 1, 4, 0, 0)
        self.matmul_integer("mmi_s8s8_6x31x5", i8, i8, 6, 31, 5, -17, [1, -2, 3, -4, 5])

        # QLinearMatMul: float32 multiplier requantization, with saturation.
        self.qlinear_matmul("qlmm_u8u8_5x7x3", u8, u8, 5, 7, 3, 0.02, 128, 0.015, 120, 0.3, 100)
        self.qlinear_matmul("qlmm_s8s8_4x9x6_saturating", i8, i8, 4, 9, 6, 0.05, -3, 0.04, 0, 0.05, 10)
        self.qlinear_matmul("qlmm_u8s8_3x16x5_per_col", u8, i8, 3, 16, 5, 0.013, 131,
                            [0.011, 0.02, 0.007, 0.015, 0.03], [0, 0, 0, 0, 0], 0.9, 128)
        self.qlinear_matmul("qlmm_s8s8_1x40x1", i8, i8, 1, 40, 1, 0.1, 5, 0.07, 0, 2.5, -1)
        # Power-of-two multiplier 0.5 on odd accumulators: exact .5 ties.
        self.qlinear_matmul("qlmm_s8s8_6x3x7_ties", i8, i8, 6, 3, 7, 0.25, 0, 1.0, 0, 0.5, 0, small=8)
        self.qlinear_matmul("qlmm_u8u8_4x2x9_ties", u8, u8, 4, 2, 9, 0.5, 0, 0.125, 0, 0.25, 7, small=10)
        self.multiplier_order()

        # QLinearConv: stride 2, padding 1, groups, depthwise, dilation, bias.
        self.qlinear_conv("qlconv_u8s8_basic_3x3", u8, i8, (1, 3, 5, 5), (4, 3, 3, 3), (1, 1), (0, 0, 0, 0), (1, 1),
                          1, False, False)
        self.qlinear_conv("qlconv_u8s8_stride2_pad1", u8, i8, (2, 2, 7, 6), (3, 2, 3, 3), (2, 2), (1, 1, 1, 1),
                          (1, 1), 1, True, True)
        self.qlinear_conv("qlconv_u8u8_stride2_pad1", u8, u8, (1, 3, 6, 6), (5, 3, 3, 3), (2, 2), (1, 1, 1, 1),
                          (1, 1), 1, False, True)
        self.qlinear_conv("qlconv_s8s8_group2", i8, i8, (1, 4, 6, 5), (6, 2, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1),
                          2, True, True)
        self.qlinear_conv("qlconv_u8s8_depthwise_s2", u8, i8, (1, 8, 9, 9), (8, 1, 3, 3), (2, 2), (1, 1, 1, 1),
                          (1, 1), 8, True, True)
        self.qlinear_conv("qlconv_s8s8_depthwise_s1", i8, i8, (1, 4, 5, 5), (4, 1, 3, 3), (1, 1), (1, 1, 1, 1),
                          (1, 1), 4, False, False)
        self.qlinear_conv("qlconv_u8s8_dilation2_ragged_pads", u8, i8, (1, 2, 8, 7), (3, 2, 2, 3), (1, 2),
                          (0, 1, 2, 0), (2, 2), 1, True, False)
        self.qlinear_conv("qlconv_s8s8_1x1", i8, i8, (1, 16, 3, 3), (8, 16, 1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1,
                          True, True)
        self.qlinear_conv("qlconv_s8s8_ties_stride2_pad1", i8, i8, (1, 3, 6, 6), (6, 3, 3, 3), (2, 2),
                          (1, 1, 1, 1), (1, 1), 1, True, True, ties=True)

        # QuantizeLinear at exact .5 boundaries (power-of-two scales make x / scale exact).
        halves = (np.arange(-131, 131, dtype=np.float32) + 0.5) * np.float32(0.5)
        self.quantize_linear("q_i8_halves", halves, 0.5, np.int8(0))
        self.quantize_linear("q_i8_halves_zp", halves, 0.5, np.int8(-3))
        u_halves = (np.arange(-132, 132, dtype=np.float32) + 0.5) * np.float32(0.25)
        self.quantize_linear("q_u8_halves_zp128", u_halves, 0.25, np.uint8(128))
        w_halves = np.concatenate([(np.arange(-40, 40, dtype=np.float32) + 0.5) * np.float32(0.125),
                                   np.array([-4096.0625, 4095.9375, 5000.0, -5000.0], np.float32)])
        self.quantize_linear("q_i16_halves", w_halves, 0.125, np.int16(7))
        self.quantize_division()
        self.quantize_linear("q_i8_random", self.rng.normal(0, 1.5, 257).astype(np.float32), 0.0123, np.int8(4))
        per_axis = self.rng.normal(0, 1, (6, 4)).astype(np.float32)
        self.quantize_linear("q_i8_axis1", per_axis, np.array([0.01, 0.02, 0.005, 0.5], np.float32),
                             np.array([0, -2, 3, 1], np.int8), axis=1)
        self.quantize_linear("q_u8_axis0", per_axis, np.linspace(0.004, 0.03, 6).astype(np.float32),
                             np.array([0, 10, 128, 255, 5, 60], np.uint8), axis=0)

        # DequantizeLinear over whole ranges.
        self.dequantize_linear("dq_i8_full", np.arange(-128, 128, dtype=np.int8), 0.0123, -7)
        self.dequantize_linear("dq_u8_full", np.arange(0, 256, dtype=np.uint8), 0.037, 131)
        self.dequantize_linear("dq_i16", self.ints(i16, (300,)), 0.00031, 123)
        self.dequantize_linear("dq_i8_axis1", self.ints(i8, (5, 3)), np.array([0.1, 0.02, 0.7], np.float32),
                               np.array([0, 1, -1], np.int8), axis=1)

        # DynamicQuantizeLinear: uint8 scale/zero point from the data's range.
        self.dynamic_quantize_linear("dql_mixed", self.rng.normal(0.3, 2.0, (4, 9)).astype(np.float32))
        self.dynamic_quantize_linear("dql_positive", self.rng.uniform(0.5, 3.0, (17,)).astype(np.float32))
        self.dynamic_quantize_linear("dql_negative", -self.rng.uniform(0.1, 9.0, (3, 5)).astype(np.float32))
        self.dynamic_quantize_linear("dql_zeros", np.zeros((6,), np.float32))

        # The Python quantizer's scale/zero point (QDQ and dynamic quantization of weights).
        w = self.rng.normal(0.1, 0.8, (7, 5)).astype(np.float32)
        self.quant_params("qp_i8_sym_tensor", w, i8, True)
        self.quant_params("qp_i8_asym_tensor", w, i8, False)
        self.quant_params("qp_u8_asym_tensor", w, u8, False)
        self.quant_params("qp_u8_sym_tensor", w, u8, True)
        self.quant_params("qp_i16_sym_tensor", w, i16, True)
        self.quant_params("qp_i16_asym_tensor", w, i16, False)
        self.quant_params("qp_i8_sym_axis1", w, i8, True, axis=1)
        self.quant_params("qp_u8_asym_axis0", w, u8, False, axis=0)
        self.quant_params("qp_u8_asym_positive", self.rng.uniform(0.2, 4.0, (9,)).astype(np.float32), u8, False)
        self.quant_params("qp_i8_asym_zeros", np.zeros((4,), np.float32), i8, False)

        self.npy_samples()

    def run(self):
        np = self.np
        self.build()
        if OUT.exists():
            shutil.rmtree(OUT)
        OUT.mkdir(parents=True)
        for file, arr in self.files.items():
            if isinstance(arr, tuple):
                with open(OUT / file, "wb") as f:
                    np.lib.format.write_array(f, arr[1], version=(2, 0))
            else:
                np.save(OUT / file, arr)
        manifest = {
            "generator": "scripts/make_ort_fixtures.py",
            "onnxruntime": self.ort.__version__,
            "onnx": self.onnx.__version__,
            "numpy": np.__version__,
            "cases": self.cases,
        }
        (OUT / "cases.json").write_text(json.dumps(manifest, indent=1) + "\n")
        total = sum(p.stat().st_size for p in OUT.iterdir())
        print(f"wrote {len(self.cases)} cases, {len(self.files) + 1} files, {total} bytes to {OUT.relative_to(ROOT)}")
        if total > SIZE_BUDGET:
            sys.exit(f"error: fixtures take {total} bytes, over the {SIZE_BUDGET}-byte budget")


if __name__ == "__main__":
    main()
