"""Origins: the one place where a server address is parsed (standard library only).

Used by the page (``app.servers``, ``app.jmap``, ``app.auth``) and by
``serve.py``, so the list the page binds to and the ``connect-src`` the host
sends can never mean different things.

The rules follow the WHATWG URL standard's host parser for the ``http`` and
``https`` schemes, refusing more than it does where a looser reading could
fool a reader, never less:

* **Scheme**: ``https``, or ``http`` only for a loopback host (below). Any
  letter case in; lower case out.
* **Authority** ends at the first ``/``, ``?``, ``#`` or ``\\`` (browsers read
  a backslash as a slash in these schemes). It must hold no ``@``: user
  information is how ``http://localhost@evil.example`` hides its real host.
* **Host**: a bracketed IPv6 address, written back in the standard's
  compressed form (``[0:0::1]`` -> ``[::1]``; an IPv4-mapped address in hex,
  ``[::ffff:7f00:1]``); an IPv4 address in any form the standard reads
  (``0x7f.1``, ``2130706433``, ``0177.0.0.1`` are all ``127.0.0.1``), written
  back dotted; or a domain name, mapped as UTS #46 does without transitional
  processing (compatibility forms and case folded, ``ß`` and final ``ς``
  kept, ideographic full stops as dots) and written in ASCII, each
  international label in punycode (``xn--…``). Each label is 1-63 letters,
  digits or inner hyphens (no ``_``, no ``%``, no spaces or controls), the
  whole at most 253 characters; one final dot is dropped. A label already in
  punycode must decode to a valid international label that encodes back to
  it.
* **Port**: digits, 1-65535; the scheme's default (443, 80) is dropped.
* **Loopback** (the only hosts plain ``http`` may name; the "potentially
  trustworthy" hosts of the W3C Secure Contexts spec, with RFC 6761's
  ``localhost`` names): ``localhost``, any name ending in ``.localhost``,
  ``127.0.0.0/8`` and ``[::1]``. Nothing else: ``evillocalhost``,
  ``localhost.attacker.example``, ``127.0.0.1.nip.io`` are names like any
  other, and ``[::ffff:127.0.0.1]`` (IPv4-mapped) is not ``[::1]``.

Two readings of a text:

* ``canonical(raw)``: what a user typed or a link carried
  (``Mail.Example.com/jmap``, ``mäil.example``) -> the origin the browser
  will connect to (``https://mail.example.com``), else ``OriginError``.
* ``parse_origin(value)``: a setting (``config.json``, ``--server``) must
  already BE that canonical origin, exactly as a browser's ``URL.origin``
  writes it; anything else is refused with a one-line reason that names the
  canonical form when there is one.
"""
from __future__ import annotations

import encodings.punycode  # noqa: F401  (str.encode("punycode") looks its codec up by name)
import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

DEFAULT_PORT = {"https": 443, "http": 80}
MAX_CONFIG_BYTES = 64 * 1024

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*\Z")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_AUTHORITY_END = re.compile(r"[/?#\\]")
_DEVIATIONS = "ßς"              # kept as they are (UTS #46 without transitional processing)
_LABEL_CATEGORIES = {"Ll", "Lo", "Lm", "Lt", "Mn", "Mc", "Nd"}


class OriginError(ValueError):
    """Not a usable origin; ``str()`` is a one-line reason (for an admin or a log).

    ``plain_http`` is true when the only problem is ``http`` to a host that is
    not this computer (the page then says "use https")."""

    def __init__(self, reason: str, *, plain_http: bool = False):
        super().__init__(reason)
        self.plain_http = plain_http


class ConfigError(ValueError):
    """config.json cannot be used; ``str()`` is a one-line reason (for the admin)."""


@dataclass(frozen=True)
class Origin:
    scheme: str                 # "https" | "http"
    host: str                   # ASCII: "mail.example.com", "127.0.0.1", "[::1]"
    port: Optional[int] = None  # None: the scheme's default

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}" + (f":{self.port}" if self.port is not None else "")

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


# ------------------------------------------------------------------ hosts

def _ipv4_number(part: str) -> Optional[int]:
    """One dotted part as the URL standard reads it: decimal, ``0x`` hex, or
    octal with a leading zero; None when it is not a number."""
    if not part:
        return None
    radix = 10
    if len(part) >= 2 and part[:2] in ("0x", "0X"):
        part, radix = part[2:], 16
    elif len(part) >= 2 and part[0] == "0":
        part, radix = part[1:], 8
    if not part:
        return 0
    digits = {10: "0123456789", 16: "0123456789abcdefABCDEF", 8: "01234567"}[radix]
    if not all(c in digits for c in part):
        return None
    return int(part, radix)


def _ends_in_a_number(host: str) -> bool:
    parts = host.split(".")
    if parts[-1] == "":
        if len(parts) == 1:
            return False
        parts.pop()
    last = parts[-1]
    return (last != "" and last.isascii() and last.isdigit()) or _ipv4_number(last) is not None


def _ipv4(host: str) -> str:
    """The URL standard's IPv4 parser, written back dotted; OriginError if it fails."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    numbers = [_ipv4_number(p) for p in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise OriginError("has a malformed IPv4 address")
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise OriginError("has a malformed IPv4 address")
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n * 256 ** (3 - i)
    return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))


def _ipv6(inner: str) -> str:
    """``[…]`` in the URL standard's serialisation: lower-case hex pieces, the
    first longest run of two or more zero pieces as ``::``, never a dotted tail."""
    if not inner or any(c not in "0123456789abcdefABCDEF:." for c in inner):
        raise OriginError("has a malformed IPv6 address")
    try:
        value = int(ipaddress.IPv6Address(inner))
    except ValueError:
        raise OriginError("has a malformed IPv6 address") from None
    pieces = [(value >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    best, best_len, i = -1, 1, 0
    while i < 8:
        j = i
        while j < 8 and pieces[j] == 0:
            j += 1
        if j - i > best_len:
            best, best_len = i, j - i
        i = max(j, i + 1)
    if best < 0:
        return "[" + ":".join(f"{p:x}" for p in pieces) + "]"
    head = ":".join(f"{p:x}" for p in pieces[:best])
    tail = ":".join(f"{p:x}" for p in pieces[best + best_len:])
    return f"[{head}::{tail}]"


def _uts46_map(text: str) -> str:
    """Case and compatibility folding as UTS #46 maps a domain (approximated
    with NFKC and case folding; ``ß``/``ς`` kept, ideographic stops are dots)."""
    s = unicodedata.normalize("NFKC", text)
    s = "".join(c if c in _DEVIATIONS else c.casefold() for c in s)
    return unicodedata.normalize("NFKC", s).replace("\u3002", ".")


def _valid_unicode_label(label: str) -> bool:
    if not label or unicodedata.normalize("NFC", label) != label:
        return False
    if unicodedata.category(label[0]).startswith("M"):
        return False
    return all(("a" <= c <= "z" or "0" <= c <= "9" or c == "-") if c.isascii()
               else unicodedata.category(c) in _LABEL_CATEGORIES for c in label)


def label_to_ascii(label: str) -> str:
    """One label, already folded, in ASCII (``bücher`` -> ``xn--bcher-kva``);
    OriginError when it is not a valid label."""
    if label.isascii():
        if label.startswith("xn--"):
            try:
                decoded = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                decoded = ""
            if (decoded.isascii() or _uts46_map(decoded) != decoded or not _valid_unicode_label(decoded)
                    or "xn--" + decoded.encode("punycode").decode("ascii") != label):
                raise OriginError(f"has an invalid international name '{_clip(label)}'")
        return label
    if not _valid_unicode_label(label):
        raise OriginError("has an invalid host name (characters a domain name cannot hold)")
    return "xn--" + label.encode("punycode").decode("ascii")


def domain_to_ascii(host: str) -> str:
    """A domain name folded and in ASCII, labels not yet checked for length or
    hyphens (the final dot, if any, kept)."""
    mapped = host.lower() if host.isascii() else _uts46_map(host)
    return ".".join(label_to_ascii(lb) if lb else lb for lb in mapped.split("."))


def _host(host: str) -> tuple[str, str]:
    """(canonical ASCII form, kind) of a host as written in a URL; kind is
    "ipv6", "ipv4" or "domain". OriginError when it is no host."""
    if not host:
        raise OriginError("has no host name")
    if host.startswith("["):
        if not host.endswith("]"):
            raise OriginError("has a malformed IPv6 address")
        return _ipv6(host[1:-1]), "ipv6"
    ascii_host = domain_to_ascii(host)
    if _ends_in_a_number(ascii_host):
        return _ipv4(ascii_host), "ipv4"
    name = ascii_host[:-1] if ascii_host.endswith(".") else ascii_host
    if not name or len(name) > 253 or not all(_LABEL.match(lb) for lb in name.split(".")):
        raise OriginError(f"has an invalid host name '{_clip(host)}'")
    return name, "domain"


def canonical_host(host: str) -> str:
    """A host as written in a URL (IPv6 in brackets) -> its canonical ASCII
    form; OriginError when it is none."""
    return _host(host)[0]


def is_loopback(host: str) -> bool:
    """Is ``host`` (as written in a URL, any form) this computer? ``localhost``,
    ``*.localhost``, ``127.0.0.0/8`` and ``[::1]``; nothing else."""
    try:
        h, kind = _host(str(host))
    except OriginError:
        return False
    if kind == "domain":
        return h == "localhost" or h.endswith(".localhost")
    if kind == "ipv4":
        return h.startswith("127.")
    return h == "[::1]"


# ------------------------------------------------------------------ origins

@dataclass(frozen=True)
class _Parts:
    scheme: str
    host: str                   # as written
    port: Optional[str]         # as written; None without a ':'
    rest: str                   # path, query, fragment (unparsed)


def _split(text: str) -> _Parts:
    scheme, sep, after = text.partition("://")
    if not sep or not _SCHEME.match(scheme):
        raise OriginError("is not of the form https://host[:port]")
    m = _AUTHORITY_END.search(after)
    authority, rest = (after[:m.start()], after[m.start():]) if m else (after, "")
    if "@" in authority:
        raise OriginError("contains a user name (@); write only https://host[:port]")
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0 or (authority[end + 1:] and not authority[end + 1:].startswith(":")):
            raise OriginError("has a malformed IPv6 address")
        host, port_part = authority[:end + 1], authority[end + 1:]
    else:
        host, colon, port_part = authority.partition(":")
        port_part = colon + port_part
    return _Parts(scheme, host, port_part[1:] if port_part else None, rest)


def _port(text: Optional[str], scheme: str) -> Optional[int]:
    """The port of an origin: None for none, empty or the scheme's default."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > 65535 or int(text) == 0:
        raise OriginError(f"has an invalid port '{_clip(text, 10)}'")
    port = int(text)
    return None if port == DEFAULT_PORT[scheme] else port


def _origin(parts: _Parts, *, policy: bool = True) -> Origin:
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORT:
        raise OriginError(f"uses '{_clip(scheme, 20)}:'; only https (or http for this computer) is allowed")
    host = canonical_host(parts.host)
    origin = Origin(scheme, host, _port(parts.port, scheme))
    if policy and scheme == "http" and not is_loopback(host):
        raise OriginError(f"uses http, which is allowed only for this computer; use {Origin('https', host, origin.port)}",
                          plain_http=True)
    return origin


def canonical(raw: object) -> str:
    """What a user typed or a link carried -> the canonical origin the browser
    will connect to (``mail.example.com`` -> ``https://mail.example.com``);
    path, query and fragment are dropped. OriginError when it names no usable
    server (``plain_http`` set when it only lacks https)."""
    s = str(raw if raw is not None else "").strip()
    if not s:
        raise OriginError("is empty")
    if any(unicodedata.category(c)[0] == "C" or c.isspace() for c in s):
        raise OriginError("contains spaces or control characters")
    typed_bare = "://" not in s
    parts = _split("https://" + s if typed_bare else s)
    if typed_bare and parts.port == "":
        raise OriginError("is not of the form https://host[:port]")  # "https:/x", "mail:"
    return str(_origin(parts))


def origin_of(url: object) -> Optional[str]:
    """The canonical origin of an http(s) URL (its scheme written out), or None
    when it has none. No policy: ``http://mail.example.com/x`` has an origin."""
    if not isinstance(url, str):
        return None
    s = url.strip()
    if not s or "://" not in s or any(unicodedata.category(c)[0] == "C" or c.isspace() for c in s):
        return None
    try:
        return str(_origin(_split(s), policy=False))
    except OriginError:
        return None


def link_target(url: object) -> Optional[str]:
    """``url`` (stripped) when this page may make it a link: an https URL, or
    http to this computer; anything else (``javascript:``, ``data:``, plain
    http across the network, user names, controls) is None: show it as text."""
    if not isinstance(url, str):
        return None
    s = url.strip()
    if "://" not in s or any(unicodedata.category(c)[0] == "C" or c.isspace() for c in s):
        return None
    try:
        _origin(_split(s))
    except OriginError:
        return None
    return s


def _hint(value: str) -> str:
    try:
        return canonical(value)
    except OriginError:
        return ""


def parse_origin(value: object) -> str:
    """``value`` itself when it is a canonical origin (``scheme://host[:port]``
    exactly as a browser's ``URL.origin`` writes it), else OriginError with a
    one-line reason (naming the canonical form when there is one)."""
    if not isinstance(value, str):
        raise OriginError("is not a text string")
    if not value:
        raise OriginError("is empty")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise OriginError("contains spaces or control characters")
    if not value.isascii():
        hint = _hint(value)
        raise OriginError("contains non-ASCII characters; write an international name in punycode"
                          + (f" ({hint})" if hint else ""))
    parts = _split(value)
    if parts.scheme not in DEFAULT_PORT:
        if parts.scheme.lower() in DEFAULT_PORT:
            raise OriginError(f"must be written in lower case ({_hint(value)})")
        raise OriginError(f"uses '{_clip(parts.scheme, 20)}:'; only https (or http for this computer) is allowed")
    if parts.rest:
        hint = _hint(value)
        what = {"?": "a query", "#": "a fragment"}.get(parts.rest[0], "a path")
        raise OriginError(f"has {what} ('{_clip(parts.rest)}'); write only the origin" + (f": {hint}" if hint else ""))
    origin = _origin(parts, policy=False)
    if parts.port is not None:
        if not re.fullmatch(r"[1-9][0-9]{0,4}", parts.port):
            raise OriginError(f"has an invalid port '{_clip(parts.port, 10)}'")
        if origin.port is None:
            raise OriginError(f"names the default port; write {origin}")
    if parts.host != origin.host:
        if parts.host.startswith("["):
            raise OriginError(f"must write the IPv6 address as {origin}")
        if parts.host.lower() == origin.host:
            raise OriginError(f"must be written in lower case ({origin})")
        if _ends_in_a_number(parts.host):
            raise OriginError(f"must write the IPv4 address as {origin}")
        raise OriginError(f"has an invalid host name '{_clip(parts.host)}'; write {origin}")
    if origin.scheme == "http" and not origin.loopback:
        raise OriginError(f"uses http, which is allowed only for this computer; use {Origin('https', origin.host, origin.port)}",
                          plain_http=True)
    return value


# ------------------------------------------------------------------ config.json

def parse_config(data: bytes | str) -> tuple[str, ...]:
    """The allowed servers in a config.json text (empty = open mode: any https
    server), duplicates dropped, in the file's order; ConfigError if unusable."""
    return read_config(data)[0]


def read_config(data: bytes | str) -> tuple[tuple[str, ...], object]:
    """(servers, the ``"sso"`` value as written, or None) of a config.json text.

    The file is a JSON object, at most 64 KiB, with the key ``servers`` (a list
    of canonical origins, ``parse_origin``) and optionally ``sso`` (the page's
    client id at each server's OpenID provider: its rules are ``app.sso``'s,
    which the callers apply); any other key is a ConfigError."""
    if isinstance(data, bytes):
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"is larger than {MAX_CONFIG_BYTES} bytes")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("is not UTF-8 text") from None
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        raise ConfigError("is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ConfigError('must be a JSON object like {"servers": ["https://mail.example.com"]}')
    extra = sorted(set(obj) - {"servers", "sso"})
    if extra:
        raise ConfigError(f"has an unknown key '{_clip(extra[0])}'; the keys are \"servers\" and \"sso\"")
    if "servers" not in obj:
        raise ConfigError('has no "servers" list (write [] for any server)')
    servers = obj["servers"]
    if not isinstance(servers, list):
        raise ConfigError('"servers" must be a list of origins')
    out: list[str] = []
    for i, s in enumerate(servers):
        try:
            o = parse_origin(s)
        except OriginError as exc:
            raise ConfigError(f'entry {i + 1} of "servers" {exc}') from None
        if o not in out:
            out.append(o)
    return tuple(out), obj.get("sso")


def _clip(s: object, n: int = 40) -> str:
    """A value quoted in a reason: printable, one line, at most ``n`` characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(s))
    return text if len(text) <= n else text[:n - 1] + "…"
