"""Runs the cocotb testbench (test_ip.py) on a systolic IP under Icarus Verilog.

    .venv-cocotb/bin/python tests/cocotb/run.py --design DESIGN [--ip DIR] [options]

DESIGN is a built-in preset or a design TOML (`systolic gemm --design` takes
it for the reference). Without --ip the IP is generated with `systolic gen`
into the build folder; with --ip, DIR is an IP `systolic gen` wrote for that
design (its `files.f` and `.systolic-ip`). Exits 0 when every test passed.
See tests/cocotb/README.md and docs/IP.md.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TOP = "cocotb_top"
PORT = re.compile(r"^\s*(input|output)\s+(?:wire|reg)\s*(\[[^\]]*\])?\s*(\w+)\s*,?\s*(?://.*)?$")
PARAM = re.compile(r"^\s*parameter\s+(\w+)\s*=\s*(\d+)\s*,?\s*(?://.*)?$")


def die(msg: str) -> None:
    """Stops with `msg` on standard error and exit status 2 (a setup problem, not a test failure)."""
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


def systolic_binary(given: str | None) -> Path:
    """The `systolic` binary: --systolic, else $SYSTOLIC_BIN, else the checkout's
    target/release/systolic, else `systolic` on PATH."""
    for cand in (given, os.environ.get("SYSTOLIC_BIN")):
        if cand:
            return Path(cand).resolve()
    built = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "systolic"
    if built.is_file():
        return built.resolve()
    found = shutil.which("systolic")
    if found:
        return Path(found)
    die("no `systolic` binary: build it (`cargo build --release`) or pass --systolic PATH")
    raise AssertionError


def design_name(design: str) -> str:
    """The name of a preset (the argument itself) or of a design TOML (its `name`)."""
    path = Path(design)
    if design.endswith(".toml") or path.is_file():
        with open(path, "rb") as f:
            return tomllib.load(f)["name"]
    return design


def ip_files(ip: Path, design: str) -> tuple[list[Path], Path]:
    """The IP's RTL files in `files.f` order and its `<prefix>_ip.v`, after
    checking that its manifest names `design`."""
    manifest = ip / ".systolic-ip"
    if not manifest.is_file():
        die(f"{ip} holds no .systolic-ip manifest: not an IP written by `systolic gen`")
    wrote = json.loads(manifest.read_text())["design"]
    if wrote != design_name(design):
        die(f"{ip} is the IP of design `{wrote}`, not of `{design_name(design)}`: pass the design it was generated from")
    names = [line.strip() for line in (ip / "files.f").read_text().splitlines()]
    files = [ip / n for n in names if n and not n.startswith("//")]
    tops = [f for f in files if f.name.endswith("_ip.v")]
    if len(tops) != 1:
        die(f"{ip}/files.f lists no `<prefix>_ip.v` (an IP from before the AXI IP, or an os one from before os had it)")
    return files, tops[0]


def wrapper(ip_v: Path) -> tuple[str, dict]:
    """The Verilog of `cocotb_top`: `<prefix>_ip` with every port passed
    through, plus the AXI ID signals cocotbext-axi requires (`m_axi_awid`,
    `m_axi_arid` driven 0; `m_axi_bid`, `m_axi_rid` ignored), which the IP
    does not have (it uses ID 0). Also the IP's parameters (DW, DWL)."""
    module, params, ports = None, {}, []
    for line in ip_v.read_text().splitlines():
        if module is None:
            m = re.match(r"^\s*module\s+(\w+)", line)
            if m:
                module = m.group(1)
            continue
        if (m := PARAM.match(line)) is not None:
            params[m.group(1)] = int(m.group(2))
        elif (m := PORT.match(line)) is not None:
            ports.append((m.group(1), m.group(2) or "", m.group(3)))
        if line.strip().startswith(");"):
            break
    if module is None or "DW" not in params or not ports:
        die(f"{ip_v}: cannot read the module header (module, parameter DW, ports)")
    decl = [f"    {d:6} wire {w:18} {n}," for d, w, n in ports]
    decl += [
        "    output wire [0:0]              m_axi_awid,",
        "    output wire [0:0]              m_axi_arid,",
        "    input  wire [0:0]              m_axi_bid,",
        "    input  wire [0:0]              m_axi_rid",
    ]
    conns = ",\n".join(f"        .{n}({n})" for _, _, n in ports)
    ps = ", ".join(f"parameter {k} = {v}" for k, v in params.items())
    text = (
        f"// {TOP}: {module} for cocotb (tests/cocotb/run.py writes this file).\n"
        "// cocotbext-axi's AxiBus requires AXI IDs; the IP has none (ID 0), so they\n"
        "// are added here: AWID/ARID 0, BID/RID unused.\n"
        f"module {TOP} #({ps}) (\n" + "\n".join(decl) + "\n);\n"
        "    assign m_axi_awid = 1'b0;\n"
        "    assign m_axi_arid = 1'b0;\n"
        "    wire unused_ids = |{1'b0, m_axi_bid, m_axi_rid};\n"
        f"    {module} ip (\n{conns}\n    );\n"
        "endmodule\n"
    )
    return text, params


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--design", required=True, help="built-in preset or design TOML the IP was generated from")
    ap.add_argument("--ip", type=Path, help="an IP folder written by `systolic gen` (default: generate one)")
    ap.add_argument("--systolic", help="the systolic binary (default: $SYSTOLIC_BIN, target/release/systolic, PATH)")
    ap.add_argument("--build-dir", type=Path, help="build and work folder (default: a new temporary folder)")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the operands (default 1)")
    ap.add_argument("--filter", help="run only the tests whose names match this regular expression")
    ap.add_argument("--waves", action="store_true", help="dump an FST waveform (cocotb_top.fst in the build folder)")
    args = ap.parse_args()

    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        die("Icarus Verilog (iverilog, vvp) is not on PATH: apt-get install -y iverilog (scripts/setup.sh)")
    try:
        from cocotb_tools.check_results import get_results
        from cocotb_tools.runner import get_runner
    except ImportError:
        die("cocotb is not installed in this Python: run scripts/cocotb_venv.sh, then .venv-cocotb/bin/python")

    systolic = systolic_binary(args.systolic)
    # A design file is passed on as an absolute path: the simulation runs in the build folder.
    design = str(Path(args.design).resolve()) if Path(args.design).is_file() else args.design
    build = (args.build_dir or Path(tempfile.mkdtemp(prefix="systolic-cocotb-"))).resolve()
    build.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    ip = args.ip.resolve() if args.ip else build / "ip"
    if args.ip is None:
        r = subprocess.run([str(systolic), "gen", "--design", design, "--out", str(ip)], capture_output=True, text=True)
        if r.returncode != 0:
            die(f"systolic gen --design {design} --out {ip} failed:\n{r.stderr}")
    files, ip_v = ip_files(ip, design)
    text, params = wrapper(ip_v)
    top_v = build / f"{TOP}.v"
    top_v.write_text(text)

    runner = get_runner("icarus")
    runner.build(
        sources=[*files, top_v],
        hdl_toplevel=TOP,
        build_dir=build / "sim_build",
        timescale=("1ns", "1ps"),
        waves=args.waves,
        always=True,
    )
    work = build / "work"
    work.mkdir(exist_ok=True)
    results = runner.test(
        test_module="test_ip",
        hdl_toplevel=TOP,
        test_dir=build,
        test_filter=args.filter,
        seed=args.seed,
        waves=args.waves,
        extra_env={
            "SYSTOLIC_BIN": str(systolic),
            "SYSTOLIC_DESIGN": design,
            "SYSTOLIC_WORK": str(work),
            "SYSTOLIC_DW": str(params["DW"]),
        },
    )
    total, failed = get_results(results)
    print(f"cocotb on {ip_v.name} (Icarus Verilog, {time.monotonic() - t0:.1f} s, build folder {build})")
    print(f"{total - failed} passed, {failed} failed")
    return 0 if failed == 0 and total > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
