"""Display safety and formatting for strings the page did not write itself.

Pure functions (no ``js``), so they run and are tested under CPython too.
Server- and user-supplied text (descriptions, names, server messages, hosts)
goes through here before it is shown: bidi controls cannot reorder what a
confirmation says, a look-alike host name is shown as the ASCII the browser
really connects to, and a huge string cannot blow up a dialog.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from app.bidi import BIDI_CONTROLS, strip_bidi  # noqa: F401  (one rule, below the UI)

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate: a value keeps its own direction
ELLIPSIS = "…"


def short(text: str, limit: int = 120) -> str:
    """At most ``limit`` characters; a cut is marked with an ellipsis."""
    s = str(text)
    return s if len(s) <= limit else s[: max(0, limit - 1)].rstrip() + ELLIPSIS


def isolate(text: str, limit: int = 120) -> str:
    """A foreign value for use inside one of our sentences: controls removed,
    cut to ``limit``, and wrapped in FSI…PDI so its direction cannot leak into
    (or take over) the sentence around it - the plain-text form of ``<bdi>``."""
    return FSI + short(strip_bidi(text), limit) + PDI


def ascii_host(host: str) -> str:
    """A host name as the browser connects to it: non-ASCII labels in punycode
    (``xn--…``), so ``exаmple`` with a Cyrillic ``а`` cannot pass for ``example``."""
    h = strip_bidi(host)
    if h.isascii():
        return h
    labels = []
    for label in h.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            import encodings.idna as idna
            labels.append(idna.ToASCII(label).decode("ascii"))
        except (UnicodeError, ValueError):
            # Not valid IDNA (too long, prohibited code points): still show
            # exactly what is there, in ASCII, never the Unicode look-alike.
            labels.append("xn--" + label.lower().encode("punycode").decode("ascii"))
    return ".".join(labels)


def ascii_origin(origin: str) -> str:
    """``https://mail.exаmple.com:8443`` -> ``https://mail.xn--exmple-4nf.com:8443``."""
    s = strip_bidi(str(origin or "")).strip()
    try:
        parts = urlsplit(s)
    except ValueError:
        return ascii_host(s)
    if not parts.netloc:
        return ascii_host(s)
    host = parts.hostname or ""
    port = f":{parts.port}" if _port(parts) else ""
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, ascii_host(host) + port, parts.path, parts.query, ""))


def _port(parts) -> bool:
    try:
        return parts.port is not None
    except ValueError:
        return False


# --- key facts in words ---------------------------------------------------------------

ALGORITHM_NAMES = {"Aes128": "AES-128", "Aes256": "AES-256", "Aes256Gcm": "AES-256-GCM",
                   "ChaCha20Poly1305": "ChaCha20-Poly1305"}
KIND_NAMES = {"pgp": "OpenPGP", "openpgp": "OpenPGP", "smime": "S/MIME"}


def algorithm_name(algo: str | None) -> str:
    """``Aes256Gcm`` -> ``AES-256-GCM`` (the server's identifiers are not words)."""
    return ALGORITHM_NAMES.get(str(algo or ""), str(algo or ""))


def fingerprint(fp: str, kind: str = "openpgp") -> str:
    """A fingerprint grouped the way GnuPG prints it, so it can be compared by eye.

    OpenPGP v4 (40 hex digits): ten groups of four, two spaces in the middle
    (``gpg --fingerprint``). Longer OpenPGP fingerprints: groups of four, the
    same gap in the middle. S/MIME (a certificate's SHA-256): byte pairs joined
    by colons, as ``gpgsm`` and ``openssl x509 -fingerprint`` show them."""
    hexs = re.sub(r"[^0-9A-Fa-f]", "", str(fp or "")).upper()
    if not hexs:
        return ""
    if kind in ("smime", "x509"):
        return ":".join(hexs[i:i + 2] for i in range(0, len(hexs), 2))
    groups = [hexs[i:i + 4] for i in range(0, len(hexs), 4)]
    half = (len(groups) + 1) // 2
    return " ".join(groups[:half]) + "  " + " ".join(groups[half:]) if len(groups) > 1 else groups[0]
