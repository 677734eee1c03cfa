"""TOTP for the account: secret, otpauth URL, the server's parser rules, QR, local check.

The server never validates an otpauth URL when it is saved; it parses it only
at the next login, with totp-rs 5.7.2 ``TOTP::from_url`` (0.16; 0.15 has 5.7.0,
0.11 has 5.6.0). A URL that this parser rejects locks the user out of every
password login. So ``validate_url`` re-implements that parser's acceptance
rules exactly, including the parts that come from the ``url`` crate (WHATWG URL
parsing for a non-special scheme), ``urlencoding`` and ``base32`` 0.5.1:

* scheme ``otpauth`` (any case: URL schemes are lower-cased by the parser);
* host exactly ``totp`` (opaque host, *not* lower-cased: ``TOTP`` is refused);
* label = path without leading ``/``, percent-decoded as strict UTF-8; split at
  the first ``:`` into issuer and account; the account is percent-decoded a
  *second* time and must not contain ``:``;
* query parsed as ``application/x-www-form-urlencoded`` (``+`` is a space),
  processed in order: ``algorithm`` SHA1/SHA256/SHA512 (upper-cased first),
  ``digits`` and ``period`` as Rust unsigned integers (an optional ``+``,
  ASCII digits only), ``secret`` base32 RFC 4648 upper-case without ``=``,
  ``issuer`` must equal the issuer seen so far; anything else is ignored;
* then: a secret is present and decodes to at least 16 bytes, digits 6..8,
  issuer and account without ``:``.

One rule is ours: ``period=0`` parses in totp-rs but every check then divides
by zero, so it is refused too.

Codes are checked like the server does (``check_current``: current step +-1,
exact digits) using pyotp's HOTP for the arithmetic.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import html
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes

import pyotp

from app.i18n import direction, get_language, normalize, t
from app.issues import Issue
from app.vocab import Generation

DEFAULT_ISSUER = "Stalwart"
SECRET_BYTES = 20
MIN_SECRET_BYTES = 16  # totp-rs assert_secret_length: 128 bit
_U64_MAX = 2**64 - 1

_DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
_B32_STRICT = re.compile(r"[A-Z2-7]*\Z")
_RUST_UINT = re.compile(r"\+?[0-9]+\Z")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_C0_OR_SPACE = "".join(chr(i) for i in range(0x21))
# WHATWG forbidden host code points; '%' is allowed in an opaque host.
_FORBIDDEN_HOST = set("\x00\t\n\r #/:<>?@[\\]^|")


@dataclass
class OtpConfig:
    """What the server will use after parsing a valid otpauth URL."""

    secret: bytes
    algorithm: str = "SHA1"
    digits: int = 6
    period: int = 30
    issuer: str | None = None
    account: str = ""

    def __repr__(self) -> str:  # never show the secret in a log or traceback
        return (f"OtpConfig(secret=<{len(self.secret)} bytes>, algorithm={self.algorithm!r}, "
                f"digits={self.digits}, period={self.period}, issuer={self.issuer!r}, "
                f"account={self.account!r})")


# ---------------------------------------------------------------- secrets

def new_secret() -> str:
    """20 random bytes from the OS CSPRNG as unpadded upper-case base32 (32 chars)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _b32decode_rust(value: str) -> bytes | None:
    """base32 0.5.1 ``decode(Rfc4648 { padding: false })``: upper-case A-Z2-7
    only, no '=', any length; trailing bits that do not fill a byte are dropped."""
    if not _B32_STRICT.match(value):
        return None
    n = len(value)
    if n == 0:
        return b""
    full = value + "A" * (-n % 8)  # zero bits, then cut to the length Rust keeps
    return base64.b32decode(full)[: n * 5 // 8]


def normalize_key(key: str) -> str:
    """A typed or grouped key (``abcd efgh``) as the canonical upper-case form."""
    return "".join(key.split()).upper().rstrip("=")


def group_key(secret: str) -> str:
    """``ABCDEFGH…`` as ``ABCD EFGH …`` so it can be typed into an app by hand."""
    key = normalize_key(secret)
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def normalize_code(code: str) -> str:
    """The code as the server must receive it: all whitespace removed (apps
    show "123 456"). The one rule for that: the account's input checks
    (``app.stalwart.validate.otp_code``), the sign-in (``app.auth``) and
    ``check_code`` use it."""
    return "".join(str(code).split())


_CODE_FORM = re.compile(r"[0-9]{6,8}")


def is_code(code: str) -> bool:
    """Is ``code`` (after ``normalize_code``) shaped like an authenticator's
    code: 6 to 8 ASCII digits (the server's digits range)? The one rule for
    the account's checks and the sign-in's code field."""
    return bool(_CODE_FORM.fullmatch(code))


# ---------------------------------------------------------------- URL parsing

class _NotAUrl(Exception):
    pass


def _split_url(url: str) -> tuple[str, str | None, str, str]:
    """Split like the WHATWG parser (rust-url) does for ``otpauth:``.

    Returns (scheme, host or None, path, query). Raises ``_NotAUrl`` where
    ``Url::parse`` fails. Only what ``from_url`` looks at is produced.
    """
    s = url.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    m = _SCHEME.match(s)
    if not m:
        raise _NotAUrl()
    scheme = m.group(0)[:-1].lower()
    rest = s[m.end():]
    if scheme != "otpauth":
        return scheme, None, "", ""
    host: str | None = None
    if rest.startswith("//"):
        rest = rest[2:]
        end = len(rest)
        for ch in "/?#":
            i = rest.find(ch)
            if i != -1:
                end = min(end, i)
        authority, rest = rest[:end], rest[end:]
        if "@" in authority:
            _userinfo, authority = authority.rsplit("@", 1)
            if not authority:
                raise _NotAUrl()
        if authority.startswith("["):
            host = authority  # an IPv6 literal: never "totp"
        else:
            host, colon, port = authority.partition(":")
            if colon and not host:
                raise _NotAUrl()
            # rust-url ends a port at '\' even for non-special schemes; the
            # rest then starts the path
            bs = port.find("\\")
            if bs != -1:
                port, rest = port[:bs], port[bs:] + rest
            if port and (not port.isascii() or not port.isdigit() or int(port) > 65535):
                raise _NotAUrl()
            if any(c in _FORBIDDEN_HOST for c in host):
                raise _NotAUrl()
    frag = rest.find("#")
    if frag != -1:
        rest = rest[:frag]
    path, _, query = rest.partition("?")
    if host is not None:
        path = _remove_dot_segments(path)
    return scheme, host, path, query


def _remove_dot_segments(path: str) -> str:
    if not path:
        return ""
    parts = path[1:].split("/") if path.startswith("/") else path.split("/")
    out: list[str] = []
    for i, seg in enumerate(parts):
        last = i == len(parts) - 1
        low = seg.lower()
        if low in ("..", ".%2e", "%2e.", "%2e%2e"):
            if out:
                out.pop()
            if last:
                out.append("")
        elif low in (".", "%2e"):
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/" + "/".join(out)


def _form_decode(s: str) -> str:
    return unquote_to_bytes(s.replace("+", " ")).decode("utf-8", "replace")


def _form_pairs(query: str):
    for piece in query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            yield _form_decode(name), _form_decode(value)


def _parse(url: str, server: Generation = Generation.V016) -> tuple[OtpConfig | None, list[Issue]]:
    if not isinstance(url, str) or not url.strip():
        return None, [Issue.make("totp.url.empty")]
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot reach the server
        return None, [Issue.make("totp.url.not_url")]
    try:
        scheme, host, path, query = _split_url(url)
    except _NotAUrl:
        return None, [Issue.make("totp.url.not_url")]
    if scheme != "otpauth":
        return None, [Issue.make("totp.url.scheme", scheme=scheme)]
    if host != "totp":
        return None, [Issue.make("totp.url.host", host=host or "")]

    label_raw = path.lstrip("/")
    try:
        label = unquote_to_bytes(label_raw).decode("utf-8")
    except UnicodeDecodeError:
        return None, [Issue.make("totp.url.label_decoding")]
    issuer: str | None = None
    if ":" in label:
        issuer, account = label.split(":", 1)
    else:
        account = label
    try:
        account = unquote_to_bytes(account).decode("utf-8")
    except UnicodeDecodeError:
        return None, [Issue.make("totp.url.account_decoding")]

    issues: list[Issue] = []
    algorithm, digits, period = "SHA1", 6, 30
    secret: bytes = b""
    for key, value in _form_pairs(query):
        if key == "algorithm":
            up = value.upper()
            if up not in _DIGESTS:
                issues.append(Issue.make("totp.url.algorithm", value=value))
            elif server == Generation.LEGACY and value != up:
                # totp-rs before 5.7.2 (Stalwart <= 0.15) matches case-sensitively
                issues.append(Issue.make("totp.url.algorithm_case", value=value, upper=up))
            else:
                algorithm = up
        elif key == "digits":
            if _RUST_UINT.match(value) and int(value) <= _U64_MAX:
                digits = int(value)
            else:
                issues.append(Issue.make("totp.url.digits_number", value=value))
        elif key == "period":
            if _RUST_UINT.match(value) and int(value) <= _U64_MAX:
                period = int(value)
            else:
                issues.append(Issue.make("totp.url.period", value=value))
        elif key == "secret":
            decoded = _b32decode_rust(value)
            if decoded is None:
                issues.append(Issue.make("totp.url.secret_base32"))
            else:
                secret = decoded
        elif key == "issuer":
            if issuer is not None and value != issuer:
                issues.append(Issue.make("totp.url.issuer_mismatch", label=issuer, param=value))
            else:
                issuer = value

    if not secret:
        if not any(i.key == "totp.url.secret_base32" for i in issues):
            issues.append(Issue.make("totp.url.secret_missing"))
    elif len(secret) < MIN_SECRET_BYTES:
        issues.append(Issue.make("totp.url.secret_short", bits=len(secret) * 8))
    if not 6 <= digits <= 8:
        issues.append(Issue.make("totp.url.digits_range", digits=digits))
    if period == 0:
        issues.append(Issue.make("totp.url.period_zero"))
    if issuer is not None and ":" in issuer:
        issues.append(Issue.make("totp.url.issuer_colon", issuer=issuer))
    if ":" in account:
        issues.append(Issue.make("totp.url.account_colon", account=account))
    if issues:
        return None, issues
    return OtpConfig(secret, algorithm, digits, period, issuer, account), []


def validate_url(url: str, server: Generation | str = Generation.V016) -> list[Issue]:
    """Every reason the server's parser would refuse ``url``; empty means safe to save.

    ``server=Generation.LEGACY`` (0.11-0.15) also requires the algorithm in
    capitals; a generation that does not exist is a ``ValueError``.
    """
    gen = Generation(server)
    try:
        return _parse(url, gen)[1]
    except Exception:  # a parser bug must block the save, not crash the page
        return [Issue.make("totp.url.not_url")]


def parse_url(url: str, server: Generation | str = Generation.V016) -> OtpConfig:
    """The parsed configuration; ``ValueError`` (with no secret in it) if invalid."""
    config, issues = _parse(url, Generation(server))
    if config is None:
        raise ValueError("invalid otpauth URL: " + "; ".join(i.message for i in issues))
    return config


# ---------------------------------------------------------------- building

# totp-rs takes the label's account after decoding it twice and refuses a ':'
# in it (TOTP::new), however it is escaped: "%3A" and "%253A" both end as ':'.
# So a name's ':' is written as the fullwidth colon (U+FF1A), which every
# authenticator app shows like a colon, and its '%' as the fullwidth percent
# sign (U+FF05), so the second decoding cannot make a ':' or broken UTF-8 of
# it. The label is only what the app shows: the server never uses it.
_LABEL_SAFE = str.maketrans({":": "\uff1a", "%": "\uff05"})


def label_text(name: str) -> str:
    """``name`` (an account or issuer) as it goes into an otpauth label: the
    server's parser accepts it, an app shows it alike (``_LABEL_SAFE``)."""
    return name.encode("utf-8", "replace").decode("utf-8").translate(_LABEL_SAFE)


def build_url(secret: str, account: str, issuer: str = DEFAULT_ISSUER) -> str:
    """The otpauth URL to save: ``otpauth://totp/Issuer:account?secret=…&issuer=Issuer&…``.

    Issuer and account are written by ``label_text`` (a ``:`` in a user name
    would lock the user out otherwise) and percent-encoded like totp-rs
    ``get_url`` does (everything but ``A-Za-z0-9-._~``). Raises ``ValueError``
    for an empty issuer, a bad secret, or a result that would not pass
    ``validate_url``.
    """
    key = normalize_key(secret)
    if not issuer:
        raise ValueError("issuer must not be empty")
    raw = _b32decode_rust(key)
    if raw is None or len(raw) < MIN_SECRET_BYTES:
        raise ValueError("secret must be base32 (A-Z, 2-7) of at least 128 bits")
    iss = quote(label_text(issuer), safe="")
    label = f"{iss}:{quote(label_text(account), safe='')}"
    url = (f"otpauth://totp/{label}?secret={key}&issuer={iss}"
           f"&algorithm=SHA1&digits=6&period=30")
    issues = validate_url(url)
    if issues:
        raise ValueError("cannot build a valid otpauth URL: " + "; ".join(i.message for i in issues))
    return url


# ---------------------------------------------------------------- checking codes

def _config_for(secret_or_url: str) -> OtpConfig:
    # the scheme is found the way the URL parser finds it (C0 controls and
    # tabs/newlines ignored), so whatever validate_url accepts is read as a URL
    bare = secret_or_url.strip(_C0_OR_SPACE).translate({9: None, 10: None, 13: None})
    if bare.lower().startswith("otpauth:"):
        return parse_url(secret_or_url)
    raw = _b32decode_rust(normalize_key(secret_or_url))
    if not raw:
        raise ValueError("not a base32 secret")
    return OtpConfig(raw)


def _unix(now) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None:
            raise ValueError("use an aware datetime or a Unix timestamp")
        return int(now.timestamp())
    return int(now)


def check_code(secret_or_url: str, code: str, now=None) -> bool:
    """True if ``code`` is what the server would accept now: current step +-1.

    ``secret_or_url`` is a base32 key (SHA1, 6 digits, 30 s) or an otpauth URL
    (its algorithm, digits and period). Spaces in the typed code are ignored;
    the digit count must match exactly. ``ValueError`` if the secret or URL is
    itself invalid (that is not the user's typing mistake).
    """
    config = _config_for(secret_or_url)
    typed = normalize_code(code)
    if len(typed) != config.digits or not (typed.isascii() and typed.isdigit()):
        return False
    ts = _unix(now)
    if ts < 0:
        return False
    counter = ts // config.period
    hotp = pyotp.HOTP(base64.b32encode(config.secret).decode("ascii"),
                      digits=config.digits, digest=_DIGESTS[config.algorithm])
    ok = False
    for c in (counter - 1, counter, counter + 1):  # valid_window=1, like skew=1
        if c >= 0 and hmac.compare_digest(hotp.at(c), typed):
            ok = True
    return ok


def code_at(secret_or_url: str, now=None) -> str:
    """The code an authenticator shows at ``now``: the account layer proves
    which key is stored by signing in with the new key's current code."""
    config = _config_for(secret_or_url)
    hotp = pyotp.HOTP(base64.b32encode(config.secret).decode("ascii"),
                      digits=config.digits, digest=_DIGESTS[config.algorithm])
    return hotp.at(_unix(now) // config.period)


# ---------------------------------------------------------------- QR code

def qr_svg(url: str, title: str | None = None, lang: str | None = None) -> str:
    """A self-contained ``<svg>`` of the QR code for ``url``.

    Drawn by qrcode's SVG path factory; white background and black modules are
    explicit so it scans in dark mode and prints; no external references.
    """
    import qrcode
    from qrcode.image.svg import SvgPathImage

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                       box_size=10, border=4, image_factory=SvgPathImage)
    qr.add_data(url)
    qr.make(fit=True)
    img = qr.make_image()
    d = img.path.get("d") if img.path is not None else ""
    size = img.units(img.pixel_size, text=False)  # box_size 10 -> 1 unit per module
    label = html.escape(title if title is not None else t("totp.qr.title", lang), quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{label}" shape-rendering="crispEdges">'
        f"<title>{label}</title>"
        f'<rect x="0" y="0" width="{size}" height="{size}" fill="#ffffff"/>'
        f'<path d="{d}" fill="#000000" fill-rule="nonzero" stroke="none"/>'
        f"</svg>"
    )


# ---------------------------------------------------------------- recovery kit

_KIT_CSS = """
:root{color-scheme:light}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff;
max-width:46rem;margin:2rem auto;padding:0 1.5rem}
h1{font-size:1.5rem;margin:0 0 .25rem}
.meta{color:#444;margin:0 0 1.5rem}
.grid{display:flex;gap:1.5rem;align-items:flex-start;flex-wrap:wrap}
.qr{width:14rem;height:14rem;border:1px solid #ccc;flex:none}
.qr svg{width:100%;height:100%;display:block}
dl{margin:0}dt{font-weight:600;margin-top:.5rem}dd{margin:0}
.key{font:1.25rem/1.4 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;letter-spacing:.05em;
word-break:break-all}
.url{font:.75rem/1.3 ui-monospace,Menlo,Consolas,monospace;word-break:break-all;color:#333}
.warn{border:2px solid #111;padding:.75rem 1rem;margin:1.5rem 0}
h2{font-size:1.1rem;margin:1.5rem 0 .25rem}
ul{padding-inline-start:1.25rem}
@media print{body{margin:0;max-width:none}.warn{break-inside:avoid}}
""".strip()


def recovery_kit(account: str, issuer: str, secret: str, url: str, server: str,
                 lang: str | None = None, now=None) -> str:
    """A standalone printable HTML page: QR, typed key and what to do when the phone is gone.

    Inline CSS only, no scripts, no external references. It contains the
    secret: the text tells the user to keep it offline like a password.
    ``ValueError`` if ``url`` is not one the server can parse.
    """
    config = parse_url(url)  # a kit for a URL the server cannot parse would be a trap
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    when = _dt.datetime.fromtimestamp(_unix(now), _dt.timezone.utc).date()
    code = normalize(lang) or get_language()
    tx = lambda key, **p: e(t(key, code, **p))  # noqa: E731
    algo = {"SHA1": "SHA-1", "SHA256": "SHA-256", "SHA512": "SHA-512"}[config.algorithm]
    items = "".join(f"<li>{tx(k)}</li>" for k in (
        "totp.kit.no_recovery_codes", "totp.kit.keep_offline", "totp.kit.lost_phone",
        "totp.kit.app_password", "totp.kit.admin_reset"))
    return (
        f'<!DOCTYPE html>\n<html lang="{code}" dir="{direction(code)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="referrer" content="no-referrer">'
        f"<title>{tx('totp.kit.title', account=account)}</title>"
        f"<style>{_KIT_CSS}</style></head><body>"
        f"<h1>{tx('totp.kit.heading')}</h1>"
        f'<p class="meta">{tx("totp.kit.created", date=when)}</p>'
        f'<div class="warn">{tx("totp.kit.warning")}</div>'
        f'<div class="grid"><div class="qr">{qr_svg(url, lang=code)}</div>'
        f"<dl><dt>{tx('totp.kit.account')}</dt><dd>{e(account)}</dd>"
        f"<dt>{tx('totp.kit.server')}</dt><dd>{e(server)}</dd>"
        f"<dt>{tx('totp.kit.issuer')}</dt><dd>{e(issuer)}</dd>"
        f"<dt>{tx('totp.kit.key')}</dt><dd class=\"key\" dir=\"ltr\">{e(group_key(secret))}</dd>"
        f"<dt>{tx('totp.kit.settings')}</dt><dd>{tx('totp.kit.settings_value', algorithm=algo, digits=config.digits, period=config.period)}</dd></dl></div>"
        f"<h2>{tx('totp.kit.how_title')}</h2><p>{tx('totp.kit.how')}</p>"
        f"<h2>{tx('totp.kit.know_title')}</h2><ul>{items}</ul>"
        f"<h2>{tx('totp.kit.url_title')}</h2><p class=\"url\" dir=\"ltr\">{e(url)}</p>"
        f"</body></html>\n"
    )
