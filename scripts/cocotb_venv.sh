#!/usr/bin/env bash
# Creates the git-ignored virtualenv .venv-cocotb of the cocotb testbench
# (tests/cocotb/) with the pinned packages of tests/cocotb/requirements.txt
# (cocotb, cocotbext-axi, numpy and what they pull in), from PyPI.
# Safe to run repeatedly: a virtualenv whose installed list equals the pinned
# one is left alone; a changed list is installed again. tests/cocotb.rs runs it.
# Needs python3 (3.11 or newer, for numpy 2.4) with venv and pip:
# `apt-get install -y python3 python3-venv` on Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-cocotb
REQ=tests/cocotb/requirements.txt
STAMP="$VENV/requirements.installed"
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && cmp -s "$REQ" "$STAMP"; then
  echo "$VENV is up to date ($REQ)"
  exit 0
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "error: $PYTHON not found: install Python 3.11 or newer with venv (Debian: apt-get install -y python3 python3-venv)" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "error: $PYTHON is $("$PYTHON" --version 2>&1); the pinned numpy needs Python 3.11 or newer (set PYTHON=...)" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV with $("$PYTHON" --version 2>&1)"
  if ! "$PYTHON" -m venv "$VENV"; then
    rm -rf "$VENV"
    echo "error: '$PYTHON -m venv' failed: install the venv module (Debian: apt-get install -y python3-venv)" >&2
    exit 1
  fi
fi
rm -f "$STAMP"
echo "installing $REQ into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
if ! "$VENV/bin/python" -c 'import find_libpython, sys; sys.exit(0 if find_libpython.find_libpython() else 1)'; then
  echo "error: no shared libpython for $("$VENV/bin/python" --version 2>&1), which cocotb loads into the simulator (Debian: apt-get install -y libpython3-dev)" >&2
  exit 1
fi
cp "$REQ" "$STAMP"
"$VENV/bin/python" -c 'import cocotb, cocotbext.axi, numpy; print(f"cocotb {cocotb.__version__}, cocotbext-axi {cocotbext.axi.__version__}, numpy {numpy.__version__}")'
