#!/usr/bin/env bash
# Set up this checkout for development and tests: Debian packages (Chromium for
# the browser tests; gnupg, sq and openssl as oracles for the key tests; npm for
# the vendor step; nginx and caddy for the hosting tests), the .venv with pinned
# Python packages, and the vendored browser runtime. Safe to re-run: it only does
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sq >/dev/null 2>&1 || need+=(sq)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
command -v npm >/dev/null 2>&1 || need+=(npm)
# the README's hosting examples are tested against Debian's nginx and Caddy (the tests
# run their own unprivileged instances; Debian may also start the system services)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v caddy >/dev/null 2>&1 || need+=(caddy)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: missing ${need[*]}; install them with apt-get as root, then run this again." >&2; exit 1
  fi
  echo "setup: installing ${need[*]} (apt-get)…"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt
.venv/bin/python -m tools.vendor
# The tests' OpenID provider (node oidc-provider, pinned by tests/oidc/package-lock.json).
if [ ! -f tests/oidc/node_modules/oidc-provider/package.json ]; then
  echo "setup: installing the test OpenID provider (npm ci in tests/oidc)…"
  (cd tests/oidc && npm ci --no-audit --no-fund --omit-lockfile-registry-resolved --loglevel=error >/dev/null)
fi
