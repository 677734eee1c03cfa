#!/usr/bin/env bash
# Set up (see setup.sh) and run every test: unit tests under CPython, browser
# tests in Debian's Chromium. Extra arguments go to pytest (e.g. -k totp).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
exec .venv/bin/python -m pytest tests "$@"
