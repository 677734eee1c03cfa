#!/usr/bin/env bash
# Set up (see setup.sh) and run every test: unit tests under CPython on
# UNIT_WORKERS processes (pytest-xdist, default 2), then browser tests in
# Debian's Chromium on BROWSER_WORKERS (default 3: they wait on the page and on
# the contract server's delays, so a third keeps both cores busy). Extra
# arguments go to both pytest runs (e.g. -k totp); an argument naming a test
# file or folder runs just that, in one pytest run. Prints the time of every
# stage at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
unit_workers=${UNIT_WORKERS:-2}
browser_workers=${BROWSER_WORKERS:-3}
STAGE_LOG=$(mktemp)
export STAGE_LOG
trap 'rm -f "$STAGE_LOG"' EXIT

report() {
  local total
  total=$(awk '{ s += $2 } END { printf "%.0f", s }' "$STAGE_LOG")
  echo "Time per stage (load average now $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores):"
  awk '{ name = $1; secs = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "  %-10s %6.1f s  %s\n", name, secs, $0 }' "$STAGE_LOG"
  echo "  total      ${total} s"
}

stage() {  # stage NAME WORKERS command...: run it, log its time and outcome
  local name=$1 workers=$2 start rc
  shift 2
  start=$(date +%s.%N)
  "$@"
  rc=$?
  awk -v n="$name" -v a="$start" -v b="$(date +%s.%N)" -v rc="$rc" -v w="$workers" \
    'BEGIN { printf "%s %.1f %s on %s workers\n", n, b - a, (rc == 0 ? "passed" : (rc == 5 ? "no test selected" : "FAILED (exit " rc ")")), w }' >> "$STAGE_LOG"
  return "$rc"
}

if ! tools/setup.sh; then
  echo "setup failed: see the lines above" >&2
  report
  exit 1
fi

pytest=(.venv/bin/python -m pytest)
paths=()
for a in "$@"; do
  case "$a" in tests|tests/*) paths+=("$a") ;; esac
done
rc=0
if ((${#paths[@]})); then
  stage tests "$unit_workers" "${pytest[@]}" -n "$unit_workers" "$@" || rc=$?
else
  # Unit and bundle tests first (about a minute), then the browser tests.
  stage unit+build "$unit_workers" "${pytest[@]}" -n "$unit_workers" tests/unit tests/build "$@"; unit=$?
  stage browser "$browser_workers" "${pytest[@]}" -n "$browser_workers" tests/e2e tests/hosting "$@"; browser=$?
  # -k or -m may leave one of the two runs with nothing to run (exit 5): no failure
  for r in "$unit" "$browser"; do
    if [ "$r" != 0 ] && [ "$r" != 5 ]; then rc=$r; fi
  done
  if [ "$unit" = 5 ] && [ "$browser" = 5 ]; then rc=5; fi
fi
report
exit "$rc"
