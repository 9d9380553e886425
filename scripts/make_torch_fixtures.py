#!/usr/bin/env python3
"""Writes real torch exports under sim/tests/fixtures/onnx/torch/.

Run by hand, never in CI: it needs torch (several GB). Each fixture is a
model exported with torch.onnx.export, its MACs counted by torch, and its
output checked against onnxruntime:

  resnet18, resnet50, mobilenet_v2  torchvision, weights=None, eval, 1x3x224x224
  vit-tiny     torchvision VisionTransformer (image 32, patch 8, 2 layers,
               hidden 64, 4 heads, MLP 128): nn.MultiheadAttention, GELU (erf)
  gpt-mini     a GPT-style decoder written here: causal attention with a
               tril mask, hand-written LayerNorm (the decomposed pattern),
               GELU tanh-approximate; batch 2, 16 tokens
  bert-base    a BERT-base encoder written here (no transformers package):
               embeddings, 12 layers, hidden 768, 12 heads, FFN 3072, 128
               tokens, nn.GELU (erf), nn.LayerNorm; no pooler, no mask (as the
               built-in `bert-base`)
  lstm         2-layer bidirectional nn.LSTM and a linear head
  gru-rnn      2-layer bidirectional batch-first nn.GRU, then nn.RNN (tanh)
  conv1d-net   1-D convolutions: stride, dilation, groups, depthwise,
               pointwise, padding, ConvTranspose1d, pools
  ops-mix      operators the models above lack: ConvTranspose2d, dilated,
               grouped, depthwise and non-square convolutions, a
               BatchNormalization after a pool (so not folded into a conv),
               HardSwish, HardSigmoid, Clip (ReLU6), Sigmoid, Tanh, Pow,
               Sqrt, max and average pools, ReduceMean/Sum/Max, Split, Concat
  ops-opset20  built with onnx.helper (torch does not write these): opset-20
               Gelu (both forms), Identity, Dropout, Gemm with transA=1; its
               MACs are counted on the torch module it mirrors, and
               onnxruntime's output is checked against that module's

Every torch model is exported with the legacy TorchScript exporter
(dynamo=False, opset 17, constant folding on): it works for all of them, so
the dynamo exporter is not used. In eval mode it folds BatchNorm into a
preceding conv; ops-mix keeps one unfolded by putting it after a pool. The
fixtures written on 2026-12 came from torch 2.15.0 (the PyPI build, +cu132:
the CPU index was unreachable), torchvision 0.29.2, onnx 1.23.2 and
onnxruntime 1.32.0; a second run writes byte-identical files.

Fixture size: initializers with fewer than 4096 elements stay inline (shape
code such as Reshape targets, biases and LayerNorm parameters); every larger
one is written as external data (`location`/`offset`/`length`) to
NAME.weights-stripped beside the model, a file that is NOT committed
(.gitignore). sim needs no weight values to import a model (shapes come from
initializer dims), so the committed .onnx files import without it;
onnxruntime needs it, and this script checks each export with it.

For every fixture NAME.macs.json holds torch's count:
torch.utils.flop_counter.FlopCounterMode forward FLOPs / 2 (total, per aten
op and per module), the input shapes, and every GEMM as torch runs it
(recorded by a TorchDispatchMode): M, K, N, count (batched GEMMs) and how
many times it runs. Convolutions are given as im2col GEMMs (M = batch x
output pixels, K = in_channels/groups x kernel, N = out_channels/groups,
count = groups); transposed ones as M = batch x input pixels, K =
in_channels/groups, N = out_channels/groups x kernel. Counting runs with
autograd on (under no_grad, nn.MultiheadAttention takes a fused fast path
FlopCounterMode does not count) and oneDNN off (with it, nn.LSTM on CPU runs
one oneDNN kernel FlopCounterMode does not count; without it, the GEMMs).

Usage: python3 scripts/make_torch_fixtures.py [--venv DIR] [--only NAME ...]

It creates (or reuses) a virtualenv outside the repository (default
/tmp/systolic-torch-venv), trying torch's CPU wheel index first and taking
the PyPI build (with CUDA libraries, ~5.6 GB; it runs on the CPU) when that
index is unreachable, and re-runs itself there.
"""

import argparse
import json
import math
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import fixture_venv

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "tests" / "fixtures" / "onnx" / "torch"
DEFAULT_VENV = Path(tempfile.gettempdir()) / "systolic-torch-venv"
PINNED = ["torch==2.15.0", "torchvision==0.29.2", "onnx==1.23.2", "onnxruntime==1.32.0", "numpy==2.4.6"]
CPU_INDEX = ["--index-url", "https://download.pytorch.org/whl/cpu", "--retries", "1", "--timeout", "15",
             "torch==2.15.0", "torchvision==0.29.2"]
# Initializers with at least this many elements go to the stripped side file.
INLINE_MAX = 4096
OPSET = 17


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="virtualenv to use (outside the repo)")
    parser.add_argument("--only", nargs="*", help="fixtures to write (default: all)")
    args = parser.parse_args()
    fixture_venv.ensure_venv(args.venv, PINNED, "import torch, torchvision, onnx, onnxruntime",
                             try_first=(CPU_INDEX,))
    Writer(args.only).run()


class Writer:
    """Builds, counts, exports, strips and checks every fixture."""

    def __init__(self, only, out: Path = OUT):
        import numpy as np
        import torch

        self.np, self.torch = np, torch
        self.only = set(only) if only else None
        # make_train_fixtures.py strips and checks its exports with this class, in its own directory.
        self.out = out
        out.mkdir(parents=True, exist_ok=True)

    def run(self) -> None:
        from torch_fixture_models import fixtures

        for name, make in fixtures():
            if self.only and name not in self.only:
                continue
            # Each fixture's own seed: --only writes the same files as a full run.
            self.torch.manual_seed(zlib.crc32(name.encode()))
            fx = make()
            if fx.writer is None:
                self.write(name, fx.model, fx.inputs, fx.about, fx.names)
            else:
                fx.writer(self, name, fx)

    def path(self, name) -> Path:
        """Where fixture `name`'s model goes."""
        return self.out / f"{name}.onnx"

    # ---- counting --------------------------------------------------------

    def count(self, model, inputs):
        """FlopCounterMode MACs (total, per op, per module) and the GEMMs."""
        import torch
        from torch.utils.flop_counter import FlopCounterMode

        with torch.backends.mkldnn.flags(enabled=False):
            with FlopCounterMode(display=False) as fc:
                model(*inputs)
            recorder = GemmRecorder(torch)
            with recorder:
                model(*inputs)
        counts = fc.get_flop_counts()
        by_op = dict(sorted((str(op), v // 2) for op, v in counts.get("Global", {}).items()))
        by_module = dict(sorted((m, sum(ops.values()) // 2) for m, ops in counts.items() if m != "Global"))
        total = fc.get_total_flops()
        assert total % 2 == 0, total
        gemms = recorder.table()
        gemm_macs = sum(g["m"] * g["k"] * g["n"] * g["count"] * g["times"] for g in gemms)
        assert gemm_macs == total // 2, (gemm_macs, total // 2, by_op, recorder.unknown)
        return {"macs": total // 2, "flops": total, "macs_by_op": by_op, "macs_by_module": by_module,
                "gemms": gemms}

    # ---- export ----------------------------------------------------------

    def write(self, name, model, inputs, about, names) -> None:
        import torch

        model.eval()
        path = self.path(name)
        torch.onnx.export(model, tuple(inputs), str(path), dynamo=False, opset_version=OPSET,
                          input_names=names, output_names=["output"], do_constant_folding=True)
        self.strip(name, path)
        with torch.no_grad():
            want = model(*inputs)
        self.check_ort(name, path, dict(zip(names, inputs)), want)
        counted = self.count(model, inputs)
        self.save_json(name, about, "torch.onnx.export(dynamo=False, opset_version=17)",
                       dict(zip(names, inputs)), counted)

    def save_json(self, name, about, exporter, feeds, counted) -> None:
        import torch

        info = {
            "model": name,
            "about": about,
            "exporter": exporter,
            "torch": torch.__version__,
            "counter": "torch.utils.flop_counter.FlopCounterMode, forward, autograd on, oneDNN off; macs = flops / 2",
            "inputs": {k: {"shape": list(v.shape), "dtype": str(v.dtype).removeprefix("torch.")}
                       for k, v in feeds.items()},
            **counted,
        }
        (self.out / f"{name}.macs.json").write_text(json.dumps(info, indent=1) + "\n")
        onnx_size = (self.out / f"{name}.onnx").stat().st_size
        print(f"{name}: {counted['macs']} MACs, {onnx_size} bytes (.onnx)")

    def strip(self, name, path) -> None:
        """Moves initializers of INLINE_MAX elements or more (and large
        Constant nodes, as initializers) to NAME.weights-stripped."""
        import onnx
        from onnx import numpy_helper as nh

        model = onnx.load(str(path))
        g = model.graph
        keep = []
        for node in g.node:
            if node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
                t = node.attribute[0].t
                if math.prod(t.dims) >= INLINE_MAX:
                    init = g.initializer.add()
                    init.CopyFrom(t)
                    init.name = node.output[0]
                    continue
            keep.append(node)
        del g.node[:]
        g.node.extend(keep)
        side = self.out / f"{name}.weights-stripped"
        offset = 0
        with open(side, "wb") as f:
            for t in g.initializer:
                if math.prod(t.dims) < INLINE_MAX:
                    continue
                data = t.raw_data if t.HasField("raw_data") else nh.to_array(t).tobytes()
                pad = -offset % 64
                f.write(b"\0" * pad)
                offset += pad
                f.write(data)
                for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data"):
                    t.ClearField(field)
                t.data_location = onnx.TensorProto.EXTERNAL
                del t.external_data[:]
                for key, value in (("location", side.name), ("offset", str(offset)), ("length", str(len(data)))):
                    e = t.external_data.add()
                    e.key, e.value = key, value
                offset += len(data)
        if offset == 0:
            side.unlink()
        onnx.save_model(model, str(path))
        onnx.checker.check_model(str(path))

    def check_ort(self, name, path, feeds, want) -> None:
        """onnxruntime runs the stripped export (with its side file) and
        agrees with torch."""
        import numpy as np
        import onnxruntime as ort

        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = sess.run(None, {k: v.numpy() for k, v in feeds.items()})[0]
        want = want[0] if isinstance(want, tuple) else want
        np.testing.assert_allclose(got, want.numpy(), rtol=2e-3, atol=2e-4, err_msg=name)


class GemmRecorder:
    """A TorchDispatchMode that records every GEMM torch runs."""

    def __new__(cls, torch):
        from torch.utils._python_dispatch import TorchDispatchMode

        aten = torch.ops.aten

        class Recorder(TorchDispatchMode):
            def __init__(self):
                super().__init__()
                self.gemms = Counter()
                self.unknown = Counter()

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                packet = func.overloadpacket
                if packet in (aten.mm, aten.addmm):
                    a, b = args[-2], args[-1]
                    self.add("mm", a.shape[0], a.shape[1], b.shape[1], 1)
                elif packet in (aten.bmm, aten.baddbmm):
                    a, b = args[-2], args[-1]
                    self.add("bmm", a.shape[1], a.shape[2], b.shape[2], a.shape[0])
                elif packet is aten.convolution:
                    x, w, transposed, groups = args[0], args[1], args[6], args[8]
                    if transposed:
                        self.add("conv_transpose", x.shape[0] * math.prod(x.shape[2:]), x.shape[1] // groups,
                                 w.shape[1] * math.prod(w.shape[2:]), groups)
                    else:
                        self.add("conv", out.shape[0] * math.prod(out.shape[2:]),
                                 w.shape[1] * math.prod(w.shape[2:]), w.shape[0] // groups, groups)
                elif "scaled_dot_product" in str(packet):
                    q, k, v = args[0], args[1], args[2]
                    heads = math.prod(q.shape[:-2])
                    self.add("sdpa.qk", q.shape[-2], q.shape[-1], k.shape[-2], heads)
                    self.add("sdpa.av", q.shape[-2], k.shape[-2], v.shape[-1], heads)
                elif any(s in str(packet) for s in ("mm", "conv", "matmul", "dot", "mv", "lstm", "gru", "rnn")):
                    self.unknown[str(packet)] += 1
                return out

            def add(self, op, m, k, n, count):
                self.gemms[(op, int(m), int(k), int(n), int(count))] += 1

            def table(self):
                assert not self.unknown, f"GEMM-like ops not recorded: {dict(self.unknown)}"
                return [{"op": op, "m": m, "k": k, "n": n, "count": c, "times": t}
                        for (op, m, k, n, c), t in sorted(self.gemms.items())]

        return Recorder()


if __name__ == "__main__":
    main()
