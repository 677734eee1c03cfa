"""``python -m app.keys [--json] [--lang CODE] [--email ADDRESS]... FILE...``

Exit status: 0 every file would be accepted, 1 at least one refused,
2 usage error. An unreadable file is a refusal, not a crash. ``--lang``
(en, de, fr, es, it, pt-BR, nl, ar; default en) is the language of the
report; the JSON keeps the English ``errors``/``warnings``/``notes`` and adds
the chosen language's texts as ``messages``.
"""
from __future__ import annotations

import argparse
import json
import sys

from app import i18n
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


def _as_json(path: str, rep: KeyReport, lang: str = "en") -> dict:
    return {
        "file": path,
        "accepted": rep.accepted,
        "kind": rep.kind,
        "errors": [i.message for i in rep.errors],
        "warnings": [i.message for i in rep.warnings],
        "notes": [i.message for i in rep.notes],
        "messages": {"lang": lang, **{name: [i18n.translate(i, lang) for i in items] for name, items in (
            ("errors", rep.errors), ("warnings", rep.warnings), ("notes", rep.notes))}},
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


def _human(path: str, rep: KeyReport, lang: str = "en") -> str:
    tr = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    verdict = tr("cli.accepted") if rep.accepted else tr("cli.refused")
    lines = [f"{path}: {verdict}" + (f" ({rep.kind})" if rep.kind else "")]
    for fp in rep.fingerprints:
        lines.append(f"  {tr('cli.fingerprint')}: {fp}")
    for uid in rep.user_ids:
        lines.append(f"  {tr('cli.identity')}: {uid}")
    for k in rep.keys:
        size = k.curve or (tr("cli.bits", bits=k.bits) if k.bits else "")
        state = tr("cli.encrypts") if k.usable_for_encryption else (tr("cli.revoked") if k.revoked else "-")
        exp = ", " + tr("cli.expires", date=k.expires.date()) if k.expires else ""
        lines.append(f"  {tr('cli.key')} {k.fingerprint[-16:]}: {k.algorithm} {size} [{','.join(k.flags)}]{exp} {state}")
    if rep.expires:
        lines.append(f"  {tr('cli.usable_until')}: {i18n.format_datetime(rep.expires, lang)} UTC")
    for label, items in (("cli.error", rep.errors), ("cli.warning", rep.warnings), ("cli.note", rep.notes)):
        for i in items:
            lines.append(f"  {tr(label)}: {i18n.translate(i, lang)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m app.keys",
                                 description="Check OpenPGP keys / S/MIME certificates the way Stalwart will.")
    ap.add_argument("--json", action="store_true", help="print a JSON array, one object per file")
    ap.add_argument("--email", action="append", default=[], metavar="ADDRESS",
                    help="an address of your account (repeatable); warns when the key does not match")
    ap.add_argument("--lang", default="en", metavar="CODE",
                    help="language of the report: " + ", ".join(i18n.LANGUAGES) + " (default en)")
    ap.add_argument("files", nargs="+", metavar="FILE", help="key or certificate file ('-' for stdin)")
    args = ap.parse_args(argv)
    lang = i18n.normalize(args.lang)
    if lang is None:
        ap.error(f"--lang: unknown language {args.lang!r}; choose one of " + ", ".join(i18n.LANGUAGES))
    results = []
    for path in args.files:
        loaded = _load(path)
        rep = loaded if isinstance(loaded, KeyReport) else check_key(loaded, args.email)
        results.append((path, rep))
    if args.json:
        print(json.dumps([_as_json(p, r, lang) for p, r in results], indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(_human(p, r, lang) for p, r in results))
    return 0 if all(r.accepted for _, r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
