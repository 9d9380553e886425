"""The one way the fixture scripts get their Python packages: a virtualenv
outside the repository, created when missing, and the calling script run
again inside it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_venv(venv: Path, packages: list, probe: str, reinstall: bool = False, try_first: tuple = ()) -> None:
    """Re-executes the calling script inside `venv` (outside the repository),
    with its command-line arguments, creating it and installing `packages`
    when `probe` (Python code) fails there or `reinstall` is set. Each entry
    of `try_first` (a list of pip install arguments, e.g. a faster index that
    may be unreachable) is tried before `packages`; its failure is reported
    and not an error."""
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    try:
        venv.resolve().relative_to(ROOT)
        sys.exit(f"error: the virtualenv {venv} must live outside the repository {ROOT}")
    except ValueError:
        pass
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating virtualenv {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if reinstall or subprocess.run([str(python), "-c", probe], capture_output=True).returncode != 0:
        for args in try_first:
            if subprocess.run([str(python), "-m", "pip", "install", "-q", *args]).returncode != 0:
                print(f"pip install {' '.join(args)} failed; going on without it", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    script = Path(sys.argv[0]).resolve()
    os.execv(str(python), [str(python), str(script), *sys.argv[1:], "--venv", str(venv)])
