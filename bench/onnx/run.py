"""Whole-process timings of ONNX import and `systolic infer` (issue 12; the
figures go in docs/PERFORMANCE.md), each output checked against onnxruntime.

    python3 bench/onnx/run.py [--out DIR] [--runs N]

It makes, outside the repository (default /tmp/systolic-onnx-bench):
- `resnet50-full.onnx`: the committed torch export of resnet50
  (sim/tests/fixtures/onnx/torch/resnet50.onnx, weights stripped) with every
  stripped initializer filled with seeded random values and stored inline,
  about 100 MB, as a real export with weights is;
- the quantized resnet18-topology models of
  `scripts/make_infer_fixtures.py --bench-out` (1x3x224x224, QOperator,
  int8 and uint8 activations) with onnxruntime's outputs.
Then it times, as whole processes (best and median of N runs):
- `systolic sim` of resnet50-full.onnx on server-128x128-is (read, shape
  inference, lowering, simulation, CSV out);
- `systolic infer` of both resnet18 models on gemmini-like (16x16), whose
  outputs must equal onnxruntime's bit for bit.
Runs in the virtualenv of scripts/make_onnx_fixtures.py (onnx, onnxruntime).
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from fixture_venv import ensure_venv  # noqa: E402

VENV = Path("/tmp/systolic-onnx-venv")


def timed(cmd, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--venv", type=Path, default=VENV)
    p.add_argument("--out", type=Path, default=Path("/tmp/systolic-onnx-bench"))
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    ensure_venv(a.venv, ["onnx==1.23.2", "onnxruntime==1.32.0", "numpy"], "import onnx, onnxruntime")
    import numpy as np
    import onnx
    from onnx import numpy_helper

    out = a.out
    out.mkdir(parents=True, exist_ok=True)
    big = out / "resnet50-full.onnx"
    if not big.exists():
        m = onnx.load(str(ROOT / "sim/tests/fixtures/onnx/torch/resnet50.onnx"), load_external_data=False)
        rng = np.random.default_rng(50)
        for i, t in enumerate(m.graph.initializer):
            if t.data_location == onnx.TensorProto.EXTERNAL:
                dims = tuple(t.dims)
                v = (rng.standard_normal(dims) * 0.05).astype(np.float32)
                m.graph.initializer[i].CopyFrom(numpy_helper.from_array(v, t.name))
        onnx.save(m, str(big))
    if not (out / "resnet18.onnx").exists():
        subprocess.run([sys.executable, str(ROOT / "scripts/make_infer_fixtures.py"),
                        "--venv", str(a.venv), "--bench-out", str(out)], check=True)
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    exe = str(ROOT / "target/release/systolic")
    print(f"resnet50-full.onnx: {big.stat().st_size / 1e6:.1f} MB")
    best, med = timed([exe, "sim", "--design", "server-128x128-is", "--model", str(big),
                       "--format", "csv", "--out", str(out / "r50.csv")], a.runs)
    print(f"sim resnet50-full.onnx on server-128x128-is: best {best:.3f} s, median {med:.3f} s ({a.runs} runs)")
    want = np.load(out / "resnet18.out.y.npy")
    for model in ["resnet18.onnx", "resnet18-u8.onnx"]:
        y = out / f"y-{model}.npy"
        cmd = [exe, "infer", "--design", "gemmini-like", "--model", str(out / model),
               "--input", str(out / "resnet18.in.x.npy"), "--out", str(y)]
        best, med = timed(cmd, a.runs)
        got = np.load(y)
        exact = got.dtype == want.dtype and np.array_equal(got, want)
        print(f"infer {model} (224x224) on gemmini-like 16x16: best {best:.3f} s, median {med:.3f} s; "
              f"{'bit-exact' if exact else 'DIFFERS'} against onnxruntime ({want.size} outputs)")
        if not exact:
            sys.exit(1)


if __name__ == "__main__":
    main()
