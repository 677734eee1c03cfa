#!/usr/bin/env bash
# Set up this checkout for development and tests: Debian packages (Chromium for
# the browser tests; gnupg, sq and openssl as oracles for the key tests; npm for
# the vendor step; nginx and caddy for the hosting tests; node's oidc-provider
# for the single sign-on tests), the .venv with pinned Python packages, and the
# vendored browser runtime with its bytecode bundle. Safe to re-run: each step does
# only what is missing or out of date (apt: only absent commands; .venv: only
# when the requirements files changed, by a hash stamp; vendor: only files not
# matching the lock; bundle: only when app/ or the runtime changed).
# With STAGE_LOG set, appends "<step> <seconds> <what was done>" lines to it.
set -euo pipefail
cd "$(dirname "$0")/.."

step_start=0
begin() { step_start=$(date +%s.%N); }
done_step() {  # done_step NAME WHAT
  [ -n "${STAGE_LOG:-}" ] || return 0
  awk -v n="$1" -v a="$step_start" -v b="$(date +%s.%N)" -v w="$2" \
    'BEGIN { printf "%s %.1f %s\n", n, b - a, w }' >> "$STAGE_LOG"
}

begin
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sq >/dev/null 2>&1 || need+=(sq)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
# the README's hosting examples are tested against Debian's nginx and Caddy (the tests
# run their own unprivileged instances; Debian may also start the system services)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v caddy >/dev/null 2>&1 || need+=(caddy)
# npm is used only to fetch packages (npm pack, npm ci): its recommends (compilers,
# git, node-gyp: ~100 more packages on a bare system) are not needed
lean=()
command -v npm >/dev/null 2>&1 || lean+=(npm)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if ((${#need[@]} + ${#lean[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: missing ${need[*]} ${lean[*]}; install them with apt-get as root, then run this again." >&2; exit 1
  fi
  echo "setup: installing ${need[*]} ${lean[*]} (apt-get)…"
  $sudo apt-get update -qq
  if ((${#need[@]})); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if ((${#lean[@]})); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
  fi
  done_step apt "installed ${need[*]} ${lean[*]}"
else
  done_step apt "skipped: every package present"
fi

# The .venv is up to date when it was made from these exact requirement files
# by this python3: the stamp holds their hash.
begin
want=$( { python3 --version; cat tools/requirements.txt tools/requirements-runtime.txt; } | sha256sum | cut -d' ' -f1)
stamp=.venv/.requirements.sha256
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  done_step venv "skipped: requirements unchanged"
else
  rm -f "$stamp"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt
  echo "$want" > "$stamp"
  done_step venv "installed tools/requirements.txt"
fi

# The runtime files, fetched only when missing or not matching the lock; then
# the bytecode bundle, built only when app/ or the runtime changed (its
# compiled stdlib and wheels are cached under .cache/bundle/ per runtime).
begin
if .venv/bin/python -m tools.vendor --check 2>/dev/null; then
  done_step vendor "skipped: every file matches the lock"
else
  # (tools.vendor builds the bundle after fetching; here that is the next step)
  .venv/bin/python -c 'import sys; from tools import vendor; vendor.build = lambda *a, **k: None
sys.exit(vendor.main([]))'
  done_step vendor "fetched what was missing"
fi
begin
if .venv/bin/python -c 'import sys; from tools import bundle; sys.exit(0 if bundle.current() else 1)'; then
  done_step bundle "skipped: app/ and the runtime unchanged"
else
  .venv/bin/python -m tools.bundle
  done_step bundle "built"
fi

# The tests' OpenID provider (node oidc-provider, pinned by tests/oidc/package-lock.json).
begin
if [ -f tests/oidc/node_modules/oidc-provider/package.json ]; then
  done_step oidc "skipped: already installed"
else
  (cd tests/oidc && npm ci --no-audit --no-fund --omit-lockfile-registry-resolved --loglevel=error >/dev/null)
  done_step oidc "installed the test OpenID provider (npm ci in tests/oidc)"
fi
