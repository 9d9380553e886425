#!/usr/bin/env bash
# Opens a systolic report in headless Chromium (Debian's `chromium` package):
# takes a screenshot of index.html and dumps the DOM of a copy instrumented to
# measure every plot, so a test can check that the page shows its plots.
# Given one plot's SVG file instead, takes a screenshot of it alone (to hold
# the PNG beside what a browser draws).
#
# usage: scripts/report_screenshot.sh REPORT_DIR SCREENSHOT.png [DOM.html] [WIDTHxHEIGHT]
#        scripts/report_screenshot.sh PLOT.svg SCREENSHOT.png "" WIDTHxHEIGHT
#   REPORT_DIR   a directory written by `systolic sim --report` or `systolic report`
#   PLOT.svg     one plot of such a directory
#   SCREENSHOT   PNG written by Chromium (the window, default 1400x3000 pixels)
#   DOM.html     optional: the rendered DOM of the instrumented copy; it ends with
#                <pre id="systolic-measure"> holding one line per figure:
#                "FIGURE-ID WIDTHxHEIGHT" (the plot's rendered size in CSS pixels)
# The report itself holds no script; only the temporary copy does.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,16p' "$0" >&2
  exit 64
fi
if [ -f "$1" ]; then
  page=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  report=$(dirname "$page")
else
  report=$(cd "$1" && pwd)
  page=$report/index.html
fi
shot=$2
dom=${3:-}
size=${4:-1400x3000}

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "error: $chromium not found; install Debian's Chromium with: apt-get install -y chromium (or run: bash scripts/setup.sh)" >&2
  exit 2
fi
if [ ! -f "$page" ]; then
  echo "error: $page does not exist; write a report first (systolic sim --report DIR)" >&2
  exit 66
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Flags: no GPU, no sandbox (root in CI), and no background connections (the
# machine has no network; Chromium would otherwise retry them at every start).
flags=(--headless=new --disable-gpu --no-sandbox --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-default-apps --hide-scrollbars --force-device-scale-factor=1
  --user-data-dir="$work/profile" --window-size="${size/x/,}")

"$chromium" "${flags[@]}" --screenshot="$shot" "file://$page" >"$work/shot.log" 2>&1 || {
  cat "$work/shot.log" >&2
  exit 1
}
if [ ! -s "$shot" ]; then
  cat "$work/shot.log" >&2
  echo "error: Chromium wrote no screenshot" >&2
  exit 1
fi

if [ -n "$dom" ] && [ "$page" = "$report/index.html" ]; then
  mkdir "$work/copy"
  cp -R "$report/." "$work/copy/"
  measure='<script>
const lines = [...document.querySelectorAll("figure")].map(f => {
  const g = f.querySelector("svg, img");
  const r = g ? g.getBoundingClientRect() : {width: 0, height: 0};
  return f.id + " " + Math.round(r.width) + "x" + Math.round(r.height);
});
const pre = document.createElement("pre");
pre.id = "systolic-measure";
pre.textContent = lines.join("\n");
document.body.appendChild(pre);
</script>'
  # A script after </html> is parsed into the body and runs once the page is laid out.
  printf '%s\n' "$measure" >>"$work/copy/index.html"
  "$chromium" "${flags[@]}" --dump-dom "file://$work/copy/index.html" >"$dom" 2>"$work/dom.log" || {
    cat "$work/dom.log" >&2
    exit 1
  }
fi
echo "screenshot: $shot${dom:+, DOM: $dom}"
