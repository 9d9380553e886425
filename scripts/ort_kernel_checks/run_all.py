#!/usr/bin/env python3
"""Runs the onnxruntime kernel checks behind docs/ORT-KERNELS.md: each check_*.py compares the formulas of
ortk.py with onnxruntime 1.32 on random and exhaustive inputs and prints, per formula, how many outputs are
bit-identical; replay.py recomputes the sim/tests/fixtures/infer cases end to end.

Usage: python3 scripts/ort_kernel_checks/run_all.py [--venv DIR] [check ...]

Like the fixture scripts, it uses a virtualenv outside the repository (default /tmp/systolic-onnx-venv,
created when missing) with the pinned onnxruntime, onnx and numpy. About 2 minutes on 2 cores.
"""

import argparse
import runpy
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import fixture_venv  # noqa: E402

CHECKS = ["check_quant", "check_gemm", "check_qladd", "check_pool", "check_float", "replay"]
PINNED = ["onnxruntime==1.32.0", "onnx==1.23.2", "numpy==2.4.6"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "systolic-onnx-venv")
    parser.add_argument("checks", nargs="*", help=f"any of {', '.join(CHECKS)} (default: all)")
    args = parser.parse_args()
    unknown = [c for c in args.checks if c not in CHECKS]
    if unknown:
        parser.error(f"unknown check(s) {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
    fixture_venv.ensure_venv(args.venv, PINNED, "import onnxruntime, onnx, numpy")
    import onnxruntime

    print(f"onnxruntime {onnxruntime.__version__}")
    for name in args.checks or CHECKS:
        print(f"== {name}")
        start = time.perf_counter()
        sys.argv = [name]
        runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
        print(f"   ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
