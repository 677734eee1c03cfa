#!/usr/bin/env bash
# Set up (see setup.sh) and run every test: unit tests under CPython, browser
# tests in Debian's Chromium, each run spread over TEST_WORKERS processes
# (pytest-xdist; default 2). Extra arguments go to both pytest runs (e.g.
# -k totp); an argument naming a test file or folder runs just that, in one
# pytest run. Prints the time of every stage at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
workers=${TEST_WORKERS:-2}
STAGE_LOG=$(mktemp)
export STAGE_LOG
trap 'rm -f "$STAGE_LOG"' EXIT

report() {
  local total
  total=$(awk '{ s += $2 } END { printf "%.0f", s }' "$STAGE_LOG")
  echo "Time per stage (${workers} test workers, load $(cut -d' ' -f1-3 /proc/loadavg)):"
  awk '{ name = $1; secs = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "  %-8s %6.1f s  %s\n", name, secs, $0 }' "$STAGE_LOG"
  echo "  total    ${total} s"
}

stage() {  # stage NAME command...: run it, log its time and exit code
  local name=$1 start rc
  shift
  start=$(date +%s.%N)
  "$@"
  rc=$?
  awk -v n="$name" -v a="$start" -v b="$(date +%s.%N)" -v rc="$rc" \
    'BEGIN { printf "%s %.1f %s\n", n, b - a, (rc == 0 ? "passed" : (rc == 5 ? "no test selected" : "FAILED (exit " rc ")")) }' >> "$STAGE_LOG"
  return "$rc"
}

if ! tools/setup.sh; then
  echo "setup failed: see the lines above" >&2
  report
  exit 1
fi

pytest=(.venv/bin/python -m pytest -n "$workers")
paths=()
for a in "$@"; do
  case "$a" in tests|tests/*) paths+=("$a") ;; esac
done
rc=0
if ((${#paths[@]})); then
  stage tests "${pytest[@]}" "$@" || rc=$?
else
  # Unit and bundle tests first (about a minute), then the browser tests.
  stage unit "${pytest[@]}" tests/unit tests/build "$@"; unit=$?
  stage browser "${pytest[@]}" tests/e2e "$@"; browser=$?
  # -k or -m may leave one of the two runs with nothing to run (exit 5): no failure
  for r in "$unit" "$browser"; do
    if [ "$r" != 0 ] && [ "$r" != 5 ]; then rc=$r; fi
  done
  if [ "$unit" = 5 ] && [ "$browser" = 5 ]; then rc=5; fi
fi
report
exit "$rc"
