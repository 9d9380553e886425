#!/usr/bin/env python3
"""Writes the `systolic infer` reference fixtures under sim/tests/fixtures/infer/.

Each case is a small float model built with onnx.helper (random weights from
a fixed seed), quantized with onnxruntime.quantization (quantize_dynamic, or
quantize_static with a calibration reader of a few random inputs), and run on
onnxruntime's CPU provider with default SessionOptions (graph optimizations
at their default level, ORT_ENABLE_ALL). Per case NAME it writes:

- NAME.onnx (the quantized model) and NAME.float.onnx (its float source);
- NAME.in.<input>.npy, NAME.out.<output>.npy (ORT on the quantized model) and
  NAME.float-out.<output>.npy (ORT on the float model);
- an entry in cases.json: op types of the quantized graph and of the graph ORT
  actually runs after its optimizations (saved via
  SessionOptions.optimized_model_filepath), output dtypes and shapes, and
  whether the outputs come out the same at every other optimization level
  and with one intra-op thread.

With --bench-out DIR (default /tmp/systolic-bench; --skip-bench to leave it
out) it also builds a resnet18-topology CNN at 1x3x224x224 with random
weights, quantizes it like cnn-qop (resnet18.onnx) and like cnn-qop-u8
(resnet18-u8.onnx) and writes them, the input, ORT's outputs and ORT's run
times (resnet18.json) to DIR; those models are large and never committed.

Usage: python3 scripts/make_infer_fixtures.py [--venv DIR] [--bench-out DIR | --skip-bench]

Like the other fixture scripts it never installs into the repository: it
creates (or reuses) a virtualenv outside it (default /tmp/systolic-onnx-venv)
with onnxruntime, onnx and numpy, and re-runs itself there. Running it twice
writes byte-identical fixtures.
"""

import argparse

import fixture_venv
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "tests" / "fixtures" / "infer"
DEFAULT_VENV = Path(tempfile.gettempdir()) / "systolic-onnx-venv"
DEFAULT_BENCH = Path(tempfile.gettempdir()) / "systolic-bench"
PINNED = ["onnxruntime==1.32.0", "onnx==1.23.2", "numpy==2.4.6"]
OPSET = 17
SIZE_BUDGET = 400 * 1024
# CPU features that change which integer GEMM kernel onnxruntime's MLAS picks.
ISA_FLAGS = ["avx2", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="virtualenv to use (outside the repo)")
    parser.add_argument("--bench-out", type=Path, default=DEFAULT_BENCH, help="where the resnet18 benchmark goes")
    parser.add_argument("--skip-bench", action="store_true", help="do not build the resnet18 benchmark")
    args = parser.parse_args()
    fixture_venv.ensure_venv(args.venv, PINNED, "import onnxruntime, onnx, numpy")
    gen = Generator()
    gen.run()
    if not args.skip_bench:
        gen.bench(args.bench_out)


class Models:
    """Float models as onnx.helper graphs, weights from one seeded generator."""

    def __init__(self, np, rng):
        from onnx import TensorProto, helper, numpy_helper

        self.np, self.rng = np, rng
        self.h, self.nh, self.T = helper, numpy_helper, TensorProto

    def weight(self, name, *shape, fan_in=None):
        """He-initialised float weight (biases: fan_in given as 0 -> N(0, 0.1))."""
        np = self.np
        std = 0.1 if not fan_in else float(np.sqrt(2.0 / fan_in))
        return self.nh.from_array((self.rng.standard_normal(shape) * std).astype(np.float32), name)

    def model(self, nodes, name, inputs, outputs, inits):
        h = self.h
        graph = h.make_graph(
            nodes,
            name,
            [h.make_tensor_value_info(n, self.T.FLOAT, s) for n, s in inputs],
            [h.make_tensor_value_info(n, self.T.FLOAT, s) for n, s in outputs],
            inits,
        )
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", OPSET)], producer_name="make_infer_fixtures")
        model.ir_version = 9
        import onnx

        onnx.checker.check_model(model)
        return model

    def mlp(self, dims=(32, 64, 64, 10), batch=4):
        """MatMul + Add (+ Relu between layers)."""
        h = self.h
        nodes, inits, x = [], [], "x"
        layers = len(dims) - 1
        for i in range(layers):
            inits += [self.weight(f"w{i}", dims[i], dims[i + 1], fan_in=dims[i]), self.weight(f"b{i}", dims[i + 1])]
            nodes.append(h.make_node("MatMul", [x, f"w{i}"], [f"mm{i}"]))
            last = i == layers - 1
            nodes.append(h.make_node("Add", [f"mm{i}", f"b{i}"], ["y" if last else f"pre{i}"]))
            if not last:
                nodes.append(h.make_node("Relu", [f"pre{i}"], [f"act{i}"]))
                x = f"act{i}"
        return self.model(nodes, "mlp", [("x", [batch, dims[0]])], [("y", [batch, dims[-1]])], inits)

    def cnn(self, batch=2, size=24):
        """Conv 3x3 (pads 1) + Relu, Conv 3x3 stride 2 + Relu, MaxPool 3x3/2
        (pads 1), Conv 3x3 + Relu with a residual Add, GlobalAveragePool,
        Flatten, Gemm (bias) + Relu, MatMul + Add."""
        h, w = self.h, self.weight
        inits = [
            w("conv1.w", 8, 3, 3, 3, fan_in=27), w("conv1.b", 8),
            w("conv2.w", 16, 8, 3, 3, fan_in=72), w("conv2.b", 16),
            w("conv3.w", 16, 16, 3, 3, fan_in=144), w("conv3.b", 16),
            w("fc1.w", 32, 16, fan_in=16), w("fc1.b", 32),
            w("fc2.w", 32, 10, fan_in=32), w("fc2.b", 10),
        ]
        nodes = [
            h.make_node("Conv", ["x", "conv1.w", "conv1.b"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            h.make_node("Relu", ["c1"], ["r1"]),
            h.make_node("Conv", ["r1", "conv2.w", "conv2.b"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                        strides=[2, 2]),
            h.make_node("Relu", ["c2"], ["r2"]),
            h.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
            h.make_node("Conv", ["p2", "conv3.w", "conv3.b"], ["c3"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            h.make_node("Relu", ["c3"], ["r3"]),
            h.make_node("Add", ["p2", "r3"], ["res"]),
            h.make_node("GlobalAveragePool", ["res"], ["gap"]),
            h.make_node("Flatten", ["gap"], ["flat"]),
            h.make_node("Gemm", ["flat", "fc1.w", "fc1.b"], ["g1"], transB=1),
            h.make_node("Relu", ["g1"], ["a1"]),
            h.make_node("MatMul", ["a1", "fc2.w"], ["m2"]),
            h.make_node("Add", ["m2", "fc2.b"], ["y"]),
        ]
        return self.model(nodes, "cnn", [("x", [batch, 3, size, size])], [("y", [batch, 10])], inits)

    def conv_net(self, batch=1, size=12):
        """Conv 3x3 (pads 1) + Relu, Conv 3x3 stride 2 + Relu, GAP, Flatten, MatMul + Add."""
        h, w = self.h, self.weight
        inits = [
            w("conv1.w", 8, 3, 3, 3, fan_in=27), w("conv1.b", 8),
            w("conv2.w", 8, 8, 3, 3, fan_in=72), w("conv2.b", 8),
            w("fc.w", 8, 10, fan_in=8), w("fc.b", 10),
        ]
        nodes = [
            h.make_node("Conv", ["x", "conv1.w", "conv1.b"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            h.make_node("Relu", ["c1"], ["r1"]),
            h.make_node("Conv", ["r1", "conv2.w", "conv2.b"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                        strides=[2, 2]),
            h.make_node("Relu", ["c2"], ["r2"]),
            h.make_node("GlobalAveragePool", ["r2"], ["gap"]),
            h.make_node("Flatten", ["gap"], ["flat"]),
            h.make_node("MatMul", ["flat", "fc.w"], ["m"]),
            h.make_node("Add", ["m", "fc.b"], ["y"]),
        ]
        return self.model(nodes, "conv", [("x", [batch, 3, size, size])], [("y", [batch, 10])], inits)

    def attention(self, batch=1, seq=8, d=32):
        """Single-head self-attention block: Q/K/V/output projections (MatMul
        with weights + Add), Q K^T (MatMul of two activations), scaling,
        Softmax, P V, residual Add, LayerNormalization."""
        np, h, w = self.np, self.h, self.weight
        inits = []
        for p in "qkvo":
            inits += [w(f"w{p}", d, d, fan_in=d), w(f"b{p}", d)]
        inits += [
            self.nh.from_array(np.array(1.0 / np.sqrt(d), np.float32), "inv_sqrt_d"),
            self.nh.from_array((1.0 + 0.1 * self.rng.standard_normal(d)).astype(np.float32), "ln.gamma"),
            w("ln.beta", d),
        ]
        nodes = []
        for p in "qkv":
            nodes += [h.make_node("MatMul", ["x", f"w{p}"], [f"{p}m"]), h.make_node("Add", [f"{p}m", f"b{p}"], [p])]
        nodes += [
            h.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
            h.make_node("MatMul", ["q", "kt"], ["scores"]),
            h.make_node("Mul", ["scores", "inv_sqrt_d"], ["scaled"]),
            h.make_node("Softmax", ["scaled"], ["probs"], axis=-1),
            h.make_node("MatMul", ["probs", "v"], ["ctx"]),
            h.make_node("MatMul", ["ctx", "wo"], ["om"]),
            h.make_node("Add", ["om", "bo"], ["o"]),
            h.make_node("Add", ["x", "o"], ["res"]),
            h.make_node("LayerNormalization", ["res", "ln.gamma", "ln.beta"], ["y"], axis=-1, epsilon=1e-5),
        ]
        return self.model(nodes, "attention", [("x", [batch, seq, d])], [("y", [batch, seq, d])], inits)

    def resnet18(self, classes=1000, size=224):
        """resnet18 topology with BatchNorm folded (Conv with bias): 7x7/2 conv,
        3x3/2 max pool, 4 stages of 2 basic blocks (1x1/2 projection on the
        shortcut where the shape changes), GAP, Flatten, Gemm."""
        h, w = self.h, self.weight
        nodes, inits = [], []

        def conv(x, out, cin, cout, k, stride, relu):
            name = out
            inits.extend([w(f"{name}.w", cout, cin, k, k, fan_in=cin * k * k), w(f"{name}.b", cout)])
            p = k // 2
            nodes.append(h.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [out + (".pre" if relu else "")],
                                     kernel_shape=[k, k], pads=[p, p, p, p], strides=[stride, stride]))
            if relu:
                nodes.append(h.make_node("Relu", [out + ".pre"], [out]))
            return out

        x = conv("x", "stem", 3, 64, 7, 2, True)
        nodes.append(h.make_node("MaxPool", [x], ["pool"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]))
        x, cin = "pool", 64
        for stage, cout in enumerate([64, 128, 256, 512], start=1):
            for block in range(2):
                stride = 2 if stage > 1 and block == 0 else 1
                tag = f"l{stage}.{block}"
                a = conv(x, f"{tag}.conv1", cin, cout, 3, stride, True)
                b = conv(a, f"{tag}.conv2", cout, cout, 3, 1, False)
                short = conv(x, f"{tag}.down", cin, cout, 1, stride, False) if (stride != 1 or cin != cout) else x
                nodes.append(h.make_node("Add", [b, short], [f"{tag}.sum"]))
                nodes.append(h.make_node("Relu", [f"{tag}.sum"], [f"{tag}.out"]))
                x, cin = f"{tag}.out", cout
        inits.extend([w("fc.w", classes, 512, fan_in=512), w("fc.b", classes)])
        nodes += [
            h.make_node("GlobalAveragePool", [x], ["gap"]),
            h.make_node("Flatten", ["gap"], ["flat"]),
            h.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["y"], transB=1),
        ]
        return self.model(nodes, "resnet18", [("x", [1, 3, size, size])], [("y", [1, classes])], inits)


class Generator:
    """Quantizes, runs and records every case, then writes the fixture directory."""

    def __init__(self):
        import numpy as np
        import onnx
        import onnxruntime as ort

        self.np, self.onnx, self.ort = np, onnx, ort
        self.rng = np.random.default_rng(20261206)
        self.models = Models(np, self.rng)
        self.cases = []
        self.files = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="systolic-infer-"))

    # ---- helpers -------------------------------------------------------

    def session(self, model_bytes, level=None, threads=None, optimized_path=None):
        so = self.ort.SessionOptions()
        if level is not None:
            so.graph_optimization_level = level
        if threads is not None:
            so.intra_op_num_threads = threads
        if optimized_path is not None:
            so.optimized_model_filepath = str(optimized_path)
        so.log_severity_level = 3
        return self.ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])

    def ops(self, model):
        """Op types with their domain ('' is the ONNX domain) and counts, in first-use order."""
        counts = {}
        for n in model.graph.node:
            key = f"{n.domain or 'ai.onnx'}:{n.op_type}"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def quantize(self, kind, float_model, **kw):
        """Runs onnxruntime.quantization on a float model and returns the quantized ModelProto."""
        from onnxruntime.quantization import CalibrationDataReader, quantize_dynamic, quantize_static

        src = self.tmp / "src.onnx"
        dst = self.tmp / "dst.onnx"
        self.onnx.save(float_model, src)
        if kind == "dynamic":
            quantize_dynamic(src, dst, **kw)
        else:
            feeds = kw.pop("calibration")

            class Reader(CalibrationDataReader):
                def __init__(self):
                    self.it = iter(feeds)

                def get_next(self):
                    return next(self.it, None)

            quantize_static(src, dst, Reader(), **kw)
        return self.onnx.load(dst)

    def save_npy(self, file, array):
        assert file not in self.files, file
        self.files[file] = self.np.ascontiguousarray(array)
        return file

    def save_model(self, file, model):
        assert file not in self.files, file
        self.files[file] = model.SerializeToString()
        return file

    # ---- one case ------------------------------------------------------

    def case(self, name, float_model, quantized, feeds, how):
        """Runs the quantized and the float model, compares optimization levels, records the case."""
        np, ort = self.np, self.ort
        qbytes = quantized.SerializeToString()
        opt_path = self.tmp / f"{name}.optimized.onnx"
        sess = self.session(qbytes, optimized_path=opt_path)
        out_names = [o.name for o in sess.get_outputs()]
        outs = sess.run(None, feeds)
        optimized = self.onnx.load(opt_path)
        float_outs = self.session(float_model.SerializeToString()).run(None, feeds)

        def compare(others):
            diffs = {}
            for n, a, b in zip(out_names, outs, others):
                same = a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
                entry = {"bit_identical": same}
                if not same:
                    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
                    entry["elements_differing"] = int((d != 0).sum())
                    entry["max_abs_diff"] = float(d.max())
                diffs[n] = entry
            return diffs

        levels = {
            "ORT_DISABLE_ALL": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
            "ORT_ENABLE_BASIC": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            "ORT_ENABLE_EXTENDED": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        }
        vs_levels = {k: compare(self.session(qbytes, level=v).run(None, feeds)) for k, v in levels.items()}
        vs_one_thread = compare(self.session(qbytes, threads=1).run(None, feeds))

        files = {
            "model": self.save_model(f"{name}.onnx", quantized),
            "float_model": self.save_model(f"{name}.float.onnx", float_model),
            "inputs": {k: self.save_npy(f"{name}.in.{k}.npy", v) for k, v in feeds.items()},
            "outputs": {n: self.save_npy(f"{name}.out.{n}.npy", v) for n, v in zip(out_names, outs)},
            "float_outputs": {n: self.save_npy(f"{name}.float-out.{n}.npy", v) for n, v in zip(out_names, float_outs)},
        }
        float_err = {
            n: float(np.abs(a.astype(np.float64) - f.astype(np.float64)).max())
            for n, a, f in zip(out_names, outs, float_outs)
        }
        self.cases.append({
            "name": name,
            "quantization": how,
            "files": files,
            "outputs": {n: {"dtype": str(v.dtype), "shape": list(v.shape)} for n, v in zip(out_names, outs)},
            "op_types": self.ops(quantized),
            "ort_optimized_op_types": self.ops(optimized),
            "same_as_default": {**vs_levels, "intra_op_num_threads=1": vs_one_thread},
            "max_abs_diff_vs_float": float_err,
        })
        print(f"{name}: {', '.join(self.ops(optimized))}")

    # ---- the case list -------------------------------------------------

    def build(self):
        np = self.np
        from onnxruntime.quantization import QuantFormat, QuantType

        m = self.models
        mlp = m.mlp()
        x = {"x": self.rng.standard_normal((4, 32)).astype(np.float32)}
        for name, wt, pc in [
            ("mlp-dynamic", QuantType.QInt8, False),
            ("mlp-dynamic-u8", QuantType.QUInt8, False),
            ("mlp-dynamic-per-channel", QuantType.QInt8, True),
        ]:
            q = self.quantize("dynamic", mlp, weight_type=wt, per_channel=pc)
            self.case(name, mlp, q, x, {"tool": "quantize_dynamic", "weight_type": wt.name, "per_channel": pc})

        cnn = m.cnn()
        calib = [{"x": self.rng.standard_normal((2, 3, 24, 24)).astype(np.float32)} for _ in range(4)]
        x = {"x": self.rng.standard_normal((2, 3, 24, 24)).astype(np.float32)}
        for name, fmt, act in [
            ("cnn-qop", QuantFormat.QOperator, QuantType.QInt8),
            ("cnn-qop-u8", QuantFormat.QOperator, QuantType.QUInt8),
            ("cnn-qdq", QuantFormat.QDQ, QuantType.QInt8),
            ("cnn-qdq-u8", QuantFormat.QDQ, QuantType.QUInt8),
        ]:
            q = self.quantize("static", cnn, calibration=calib, quant_format=fmt, activation_type=act,
                              weight_type=QuantType.QInt8, per_channel=True)
            self.case(name, cnn, q, x, {"tool": "quantize_static", "quant_format": fmt.name,
                                        "activation_type": act.name, "weight_type": "QInt8", "per_channel": True,
                                        "calibration": "MinMax over 4 random N(0,1) inputs"})

        conv = m.conv_net()
        x = {"x": self.rng.standard_normal((1, 3, 12, 12)).astype(np.float32)}
        q = self.quantize("dynamic", conv, weight_type=QuantType.QInt8)
        self.case("conv-dynamic", conv, q, x, {"tool": "quantize_dynamic", "weight_type": "QInt8",
                                                "per_channel": False})

        att = m.attention()
        x = {"x": self.rng.standard_normal((1, 8, 32)).astype(np.float32)}
        q = self.quantize("dynamic", att, weight_type=QuantType.QInt8)
        self.case("transformer-dynamic", att, q, x, {"tool": "quantize_dynamic", "weight_type": "QInt8",
                                                      "per_channel": False})

    def run(self):
        self.build()
        if OUT.exists():
            shutil.rmtree(OUT)
        OUT.mkdir(parents=True)
        for file, data in self.files.items():
            if isinstance(data, bytes):
                (OUT / file).write_bytes(data)
            else:
                self.np.save(OUT / file, data)
        manifest = {
            "generator": "scripts/make_infer_fixtures.py",
            "onnxruntime": self.ort.__version__,
            "onnx": self.onnx.__version__,
            "numpy": self.np.__version__,
            "session": "CPUExecutionProvider, default SessionOptions (graph_optimization_level ORT_ENABLE_ALL)",
            "cpu_isa": cpu_isa(),
            "cases": self.cases,
        }
        (OUT / "cases.json").write_text(json.dumps(manifest, indent=1) + "\n")
        (OUT / "README.md").write_text(README)
        total = sum(p.stat().st_size for p in OUT.iterdir())
        print(f"wrote {len(self.cases)} cases, {len(list(OUT.iterdir()))} files, {total} bytes to {OUT.relative_to(ROOT)}")
        if total > SIZE_BUDGET:
            sys.exit(f"error: fixtures take {total} bytes, over the {SIZE_BUDGET}-byte budget")

    # ---- the benchmark model (not committed) ---------------------------

    def bench(self, out: Path):
        """resnet18 at 1x3x224x224 quantized like cnn-qop (QInt8 activations) and like cnn-qop-u8, with ORT's
        outputs and run times (default SessionOptions), into `out`; never committed."""
        np = self.np
        from onnxruntime.quantization import QuantFormat, QuantType

        rng = np.random.default_rng(18)
        self.models.rng = rng
        model = self.models.resnet18()
        calib = [{"x": rng.standard_normal((1, 3, 224, 224)).astype(np.float32)} for _ in range(2)]
        x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
        out.mkdir(parents=True, exist_ok=True)
        self.onnx.save(model, out / "resnet18.float.onnx")
        np.save(out / "resnet18.in.x.npy", x)
        variants = {"resnet18.float": model}
        for name, act in [("resnet18", QuantType.QInt8), ("resnet18-u8", QuantType.QUInt8)]:
            q = self.quantize("static", model, calibration=calib, quant_format=QuantFormat.QOperator,
                              activation_type=act, weight_type=QuantType.QInt8, per_channel=True)
            self.onnx.save(q, out / f"{name}.onnx")
            variants[name] = q
        info = {
            "generator": "scripts/make_infer_fixtures.py --bench-out",
            "onnxruntime": self.ort.__version__,
            "session": "CPUExecutionProvider, default SessionOptions",
            "cpu_count": os.cpu_count(),
            "cpu_isa": cpu_isa(),
            "input": "resnet18.in.x.npy (N(0,1), 1x3x224x224)",
            "models": {},
        }
        for name, m in variants.items():
            t0 = time.perf_counter()
            sess = self.session(m.SerializeToString(), optimized_path=self.tmp / f"{name}.opt.onnx")
            t_init = time.perf_counter() - t0
            (y,) = sess.run(None, {"x": x})
            runs = []
            for _ in range(10):
                t0 = time.perf_counter()
                sess.run(None, {"x": x})
                runs.append(time.perf_counter() - t0)
            stem = "resnet18.float-out" if name == "resnet18.float" else f"{name}.out"
            np.save(out / f"{stem}.y.npy", y)
            info["models"][f"{name}.onnx"] = {
                "quantization": None if name == "resnet18.float" else
                "quantize_static QOperator, weights QInt8 per channel, activations "
                + ("QInt8" if name == "resnet18" else "QUInt8") + ", MinMax over 2 random N(0,1) inputs",
                "output": f"{stem}.y.npy",
                "sha256": hashlib.sha256(m.SerializeToString()).hexdigest(),
                "op_types": self.ops(m),
                "ort_optimized_op_types": self.ops(self.onnx.load(self.tmp / f"{name}.opt.onnx")),
                "session_create_s": round(t_init, 4),
                "run_s_median_of_10": round(statistics.median(runs), 5),
                "run_s_min_of_10": round(min(runs), 5),
            }
            print(f"benchmark {name}: run {info['models'][f'{name}.onnx']['run_s_median_of_10']} s (median of 10)")
        (out / "resnet18.json").write_text(json.dumps(info, indent=1) + "\n")


def cpu_isa():
    """Which of ISA_FLAGS this CPU has (Linux /proc/cpuinfo), or None when unknown."""
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return None
    have = set(flags.split(":", 1)[1].split())
    return [f for f in ISA_FLAGS if f in have]


README = """\
# `systolic infer` reference fixtures

Written by `scripts/make_infer_fixtures.py` (do not edit by hand; rerun it,
it is deterministic). Each case NAME has:

- `NAME.onnx`: the quantized model (onnxruntime.quantization output);
- `NAME.float.onnx`: the float model it was quantized from;
- `NAME.in.<input>.npy`: the input;
- `NAME.out.<output>.npy`: onnxruntime's output for the quantized model;
- `NAME.float-out.<output>.npy`: onnxruntime's fp32 output for the float model.

The reference is **onnxruntime 1.32.0, CPUExecutionProvider, default
SessionOptions**, that is with graph optimizations ON
(ORT_ENABLE_ALL) and the default thread count. ORT does not run the
quantized graph as written: it fuses it first (DynamicQuantizeLinear +
MatMulInteger + Cast + Mul + Add into com.microsoft DynamicQuantizeMatMul,
QDQ pairs into QLinear kernels, ...). `cases.json` lists per case the op types
of the quantized graph (`op_types`), the op types ORT actually runs
(`ort_optimized_op_types`, from SessionOptions.optimized_model_filepath),
the outputs' dtype and shape, and, under `same_as_default`, whether the
outputs are bit-identical with optimizations disabled (ORT_DISABLE_ALL), at
ORT_ENABLE_BASIC and ORT_ENABLE_EXTENDED, and with one intra-op thread; where
they are not, it gives the number of differing elements and the largest
difference. `docs/ORT-KERNELS.md` describes the arithmetic of every kernel
these graphs run; `scripts/ort_kernel_checks/replay.py` recomputes every case
from those formulas (all bit-exact except the final SkipLayerNormalization of
`transformer-dynamic`, whose arithmetic is not yet reproduced).

Integer GEMMs: onnxruntime picks its u8s8 kernel by CPU. These files were
made on a CPU with the features in `cases.json` `cpu_isa` (AVX512-VNNI,
AVX-VNNI, AMX-INT8), whose kernels compute exact int32 sums. On x86 CPUs
with AVX2 but no VNNI, MLAS multiplies u8 by s8 with VPMADDUBSW, which
saturates pairs of products at 16 bits, so full-range int8 weights (the
dynamic quantizer's [-127, 127]) can give other outputs there.
"""


if __name__ == "__main__":
    main()
