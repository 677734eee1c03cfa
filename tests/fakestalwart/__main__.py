"""python -m tests.fakestalwart --generation 0.16|legacy [--port N] [--no-cors] [--public-url URL]
[--server-version 0.16.14] [--oidc-issuer URL [--oidc-domain sso.example.com]]"""
from __future__ import annotations

import argparse
import signal
import time

from .model import DEMO_PASSWORDS
from .otp import current_code
from .server import LEGACY_VERSIONS, FakeStalwart


def main(argv=None) -> int:
    # Ctrl-C (SIGINT) stops it even when the parent started it with SIGINT
    # ignored (a test worker does): Python then installs no handler of its own.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ap = argparse.ArgumentParser(prog="python -m tests.fakestalwart", description=__doc__)
    ap.add_argument("--generation", choices=["0.16", "legacy"], default="0.16")
    ap.add_argument("--legacy-version", choices=sorted(LEGACY_VERSIONS), default="0.15")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--no-cors", action="store_true", help="behave like a default server (no CORS headers)")
    ap.add_argument("--public-url", default=None, help="base URL the session advertises (default: own URL)")
    ap.add_argument("--server-version", default="0.16.18", help="0.16.x whose behaviour to follow")
    ap.add_argument("--oidc-issuer", default=None, help="an OpenID provider for an OIDC-directory domain")
    ap.add_argument("--oidc-domain", default="sso.example.com", help="its domain ('' = every domain)")
    a = ap.parse_args(argv)
    srv = FakeStalwart(generation=a.generation, cors=not a.no_cors, legacy_version=a.legacy_version,
                       port=a.port, host=a.host, public_url=a.public_url)
    srv.version = a.server_version
    if a.oidc_issuer:
        srv.add_oidc_directory(a.oidc_issuer, domain=a.oidc_domain or None)
    srv.start()
    try:  # Ctrl-C at any point after start, even while printing, stops it cleanly
        _announce(a, srv)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0


def _announce(a, srv) -> None:
    gen = a.generation if a.generation == "0.16" else f"legacy {srv.legacy_full_version}"
    print(f"Fake Stalwart ({gen}) listening on {srv.url}  (CORS {'on' if srv.cors else 'off'})")
    print("Demo accounts (login / password):")
    for email, pw in DEMO_PASSWORDS.items():
        acct = next((x for x in srv.accounts.values() if x.email == email), None)
        if acct is None:
            continue
        login = acct.login  # the principal name on legacy
        note = []
        if acct.otp_secret:
            note.append(f"TOTP secret {acct.otp_secret}")
        if acct.directory != "internal":
            note.append("external directory: password changes refused")
        if email.startswith("limited"):
            note.append("missing self-service permissions")
        if acct.password_expired():
            note.append("password expired: only a password change is allowed")
        print(f"  {login:22} {pw!r:32} {'; '.join(note)}")
    totp = srv.accounts["totp@example.com"]
    if srv.oidc is not None:
        print(f"Accounts @{srv.oidc.domain or '(every domain)'} sign in at {srv.oidc.issuer_url}")
    print(f"TOTP code now: {current_code(totp.otp_secret)} (legacy: append as password$code)", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
