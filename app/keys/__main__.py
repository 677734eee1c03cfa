"""``python -m app.keys [--json] [--email ADDRESS]... FILE...``

Exit status: 0 every file would be accepted, 1 at least one refused,
2 usage error. An unreadable file is a refusal, not a crash.
"""
from __future__ import annotations

import argparse
import json
import sys

from app.issues import Issue

from . import KeyReport, check_key


def _load(path: str) -> KeyReport | bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as fh:
            return fh.read(4 << 20)
    except OSError as exc:
        return KeyReport(errors=[Issue.make("keys.unreadable_file", reason=exc.strerror or type(exc).__name__)])


def _iso(dt):
    return dt.isoformat() if dt else None


def _as_json(path: str, rep: KeyReport) -> dict:
    return {
        "file": path,
        "accepted": rep.accepted,
        "kind": rep.kind,
        "errors": [i.message for i in rep.errors],
        "warnings": [i.message for i in rep.warnings],
        "notes": [i.message for i in rep.notes],
        "error_keys": [i.key for i in rep.errors],
        "warning_keys": [i.key for i in rep.warnings],
        "fingerprints": rep.fingerprints,
        "user_ids": rep.user_ids,
        "emails": rep.emails,
        "expires": _iso(rep.expires),
        "is_private": rep.is_private,
        "keys": [{"fingerprint": k.fingerprint, "algorithm": k.algorithm, "bits": k.bits,
                  "curve": k.curve, "flags": k.flags, "created": _iso(k.created),
                  "expires": _iso(k.expires), "revoked": k.revoked,
                  "usable_for_encryption": k.usable_for_encryption} for k in rep.keys],
    }


def _human(path: str, rep: KeyReport) -> str:
    verdict = "ACCEPTED" if rep.accepted else "REFUSED"
    lines = [f"{path}: {verdict}" + (f" ({rep.kind})" if rep.kind else "")]
    for fp in rep.fingerprints:
        lines.append(f"  fingerprint: {fp}")
    for uid in rep.user_ids:
        lines.append(f"  identity:    {uid}")
    for k in rep.keys:
        size = k.curve or (f"{k.bits} bits" if k.bits else "")
        state = "encrypts" if k.usable_for_encryption else ("revoked" if k.revoked else "-")
        exp = f", expires {k.expires.date()}" if k.expires else ""
        lines.append(f"  key {k.fingerprint[-16:]}: {k.algorithm} {size} [{','.join(k.flags)}]{exp} {state}")
    if rep.expires:
        lines.append(f"  usable until: {rep.expires.isoformat()}")
    for label, items in (("error", rep.errors), ("warning", rep.warnings), ("note", rep.notes)):
        for i in items:
            lines.append(f"  {label}: {i.message}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m app.keys",
                                 description="Check OpenPGP keys / S/MIME certificates the way Stalwart will.")
    ap.add_argument("--json", action="store_true", help="print a JSON array, one object per file")
    ap.add_argument("--email", action="append", default=[], metavar="ADDRESS",
                    help="an address of your account (repeatable); warns when the key does not match")
    ap.add_argument("files", nargs="+", metavar="FILE", help="key or certificate file ('-' for stdin)")
    args = ap.parse_args(argv)
    results = []
    for path in args.files:
        loaded = _load(path)
        rep = loaded if isinstance(loaded, KeyReport) else check_key(loaded, args.email)
        results.append((path, rep))
    if args.json:
        print(json.dumps([_as_json(p, r) for p, r in results], indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(_human(p, r) for p, r in results))
    return 0 if all(r.accepted for _, r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
