"""How the server reads an otpauth URL, and RFC 6238 codes (docs/stalwart-contract.md §2.7).

Stalwart parses the stored URL at every password login with totp-rs
``TOTP::from_url``, which stands on four crates; each step below is one of them:

1. ``url`` (WHATWG URL parsing; ``otpauth:`` is not a special scheme): a small
   state machine over the input, only as far as from_url looks (scheme, host,
   path, query);
2. ``urlencoding::decode`` of the label, and once more of the account name
   (strict UTF-8);
3. ``form_urlencoded`` query pairs (``+`` is a space, lossy UTF-8);
4. ``base32::decode(Rfc4648 { padding: false })`` and totp-rs's own checks.

The versions differ (docs/stalwart-contract.md §2.7): 0.16 has totp-rs 5.7.2
(algorithm name in any case) with base32 0.5.1 (upper case only, no ``=``);
0.12-0.15 have totp-rs 5.7.0 (algorithm in capitals only) with base32 0.5.1;
0.11 has totp-rs 5.6.0 with base32 0.4.0 (any case, ``=`` counts as a zero).

This is the contract server's own reading, written apart from the page's
(``app/totp.py``): a differential test makes the two agree.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from dataclasses import dataclass
from typing import Optional

_ALGOS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SCHEME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
# url crate, Host::parse_opaque: characters an opaque host may not contain
_FORBIDDEN_OPAQUE_HOST = set("\0\t\n\r #/:<>?@[\\]^|")
_U64 = 2**64


class OtpUrlError(ValueError):
    """The URL would make totp-rs fail; `.kind` names totp-rs's error variant."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class Totp:
    algorithm: str
    digits: int
    skew: int
    step: int
    secret: bytes
    issuer: Optional[str]
    account_name: str

    def generate(self, t: float) -> str:
        counter = int(t) // self.step
        mac = hmac.new(self.secret, struct.pack(">Q", counter), _ALGOS[self.algorithm]).digest()
        off = mac[-1] & 0x0F
        code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** self.digits)
        return str(code).zfill(self.digits)

    def check_current(self, token: str, now: Optional[float] = None) -> bool:
        now = time.time() if now is None else now
        base = int(now) // self.step
        for s in range(-self.skew, self.skew + 1):
            step_t = (base + s) * self.step
            if step_t < 0:
                continue
            if hmac.compare_digest(self.generate(step_t).encode(), str(token).encode()):
                return True
        return False


# --- 1. the url crate ------------------------------------------------------------------

@dataclass
class _Url:
    scheme: str
    host: Optional[str]      # None: no host (no authority, or an empty one)
    path: str
    query: str


def _is_dot(seg: str) -> bool:
    return seg.lower() in (".", "%2e")


def _is_dotdot(seg: str) -> bool:
    return seg.lower() in ("..", ".%2e", "%2e.", "%2e%2e")


def _parse_url(text: str) -> _Url:
    """WHATWG parsing of a URL without a base, as rust-url does it for a
    non-special scheme. Raises OtpUrlError("Url") where Url::parse fails."""
    # leading/trailing C0 controls and spaces go; tabs and newlines anywhere too
    lo, hi = 0, len(text)
    while lo < hi and ord(text[lo]) <= 0x20:
        lo += 1
    while hi > lo and ord(text[hi - 1]) <= 0x20:
        hi -= 1
    s = "".join(c for c in text[lo:hi] if c not in "\t\n\r")

    # scheme state
    if not s or not (s[0].isascii() and s[0].isalpha()):
        raise OtpUrlError("Url", "relative URL without a base")
    i = 1
    while i < len(s) and s[i] in _SCHEME_CHARS:
        i += 1
    if i >= len(s) or s[i] != ":":
        raise OtpUrlError("Url", "relative URL without a base")
    scheme = s[:i].lower()
    rest = s[i + 1:]
    if scheme != "otpauth":
        # special schemes parse differently; from_url refuses them all the same
        return _Url(scheme, None, "", "")

    # drop the fragment; split off the query (the first "?" before it)
    rest = rest.split("#", 1)[0]
    host: Optional[str] = None
    if rest.startswith("//"):
        rest = rest[2:]
        cut = min([p for p in (rest.find("/"), rest.find("?")) if p >= 0], default=len(rest))
        authority, rest = rest[:cut], rest[cut:]
        at = authority.rfind("@")
        if at >= 0:
            authority = authority[at + 1:]
            if not authority and (rest[:1] in ("/", "?") or not rest):
                raise OtpUrlError("Url", "empty host")
        # host ends at a ":" outside brackets
        depth, k = False, 0
        while k < len(authority):
            c = authority[k]
            if c == "[":
                depth = True
            elif c == "]":
                depth = False
            elif c == ":" and not depth:
                break
            k += 1
        host_text, port_text = authority[:k], authority[k + 1:] if k < len(authority) else None
        if port_text is not None:
            if not host_text:
                raise OtpUrlError("Url", "empty host with a port")
            # rust-url's port parser stops at "\" for every scheme; what
            # follows becomes the start of the path
            bs = port_text.find("\\")
            if bs >= 0:
                rest = port_text[bs:] + rest
                port_text = port_text[:bs]
            if port_text and not (port_text.isascii() and port_text.isdigit() and int(port_text) <= 65535):
                raise OtpUrlError("Url", "invalid port")
        if host_text.startswith("["):
            if not host_text.endswith("]"):
                raise OtpUrlError("Url", "invalid IPv6 address")
            host = host_text  # an IPv6 literal (or a failure): never "totp"
        elif any(c in _FORBIDDEN_OPAQUE_HOST for c in host_text):
            raise OtpUrlError("Url", "invalid domain character")
        else:
            host = host_text or None
    path, _, query = rest.partition("?")
    if host is not None and path:
        # a path under a host always starts with "/"; "." and ".." segments go
        segs = path.split("/")[1:] if path.startswith("/") else path.split("/")
        out: list[str] = []
        for n, seg in enumerate(segs):
            last = n == len(segs) - 1
            if _is_dotdot(seg):
                if out:
                    out.pop()
                if last:
                    out.append("")
            elif _is_dot(seg):
                if last:
                    out.append("")
            else:
                out.append(seg)
        path = "/" + "/".join(out)
    return _Url(scheme, host, path, query)


# --- 2. urlencoding::decode -------------------------------------------------------------

_HEX = "0123456789abcdefABCDEF"


def _unpercent(text: str) -> bytes:
    """%XX with two hex digits becomes the byte; everything else stays as it is."""
    raw = text.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(raw):
        b = raw[i]
        if b == 0x25 and i + 2 < len(raw) and chr(raw[i + 1]) in _HEX and chr(raw[i + 2]) in _HEX:
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b)
            i += 1
    return bytes(out)


def _urldecode_strict(text: str, kind: str) -> str:
    try:
        return _unpercent(text).decode("utf-8")
    except UnicodeDecodeError:
        raise OtpUrlError(kind, "not UTF-8 after percent-decoding") from None


# --- 3. form_urlencoded ------------------------------------------------------------------

def _query_pairs(query: str):
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        yield (_unpercent(name.replace("+", " ")).decode("utf-8", "replace"),
               _unpercent(value.replace("+", " ")).decode("utf-8", "replace"))


# --- 4. base32 and totp-rs ---------------------------------------------------------------

def _base32(value: str, version: str) -> Optional[bytes]:
    """base32 ``decode(Rfc4648 { padding: false })``: 0.5.1 takes A-Z2-7 only;
    0.4.0 (Stalwart 0.11) also takes lower case and reads "=" as a zero. Up to
    six trailing "=" do not count towards the length; extra bits are dropped."""
    if not value.isascii():
        return None
    legacy_b32 = version == "0.11"
    n = len(value)
    unpadded = n
    for c in reversed(value[-6:]):
        if c != "=":
            break
        unpadded -= 1
    bits, nbits, out = 0, 0, bytearray()
    for c in value:
        if legacy_b32:
            c = c.upper()
        if c in _B32:
            v = _B32.index(c)
        elif legacy_b32 and c == "=":
            v = 0
        else:
            return None
        bits = (bits << 5) | v
        nbits += 5
        if nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
    return bytes(out[: unpadded * 5 // 8])


def _rust_uint(value: str, limit: int) -> Optional[int]:
    """``str::parse::<u64/usize>``: an optional "+", then ASCII digits only."""
    digits = value[1:] if value.startswith("+") else value
    if not digits or not (digits.isascii() and digits.isdigit()):
        return None
    n = int(digits)
    return n if n < limit else None


def parse_otp_url(url: str, version: str = "0.16") -> Totp:
    """``TOTP::from_url`` (checked) of the server ``version`` ("0.16", "0.15",
    "0.14", "0.13", "0.12", "0.11"). Raises OtpUrlError."""
    if not isinstance(url, str):
        raise OtpUrlError("Url", "not a string")
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        raise OtpUrlError("Url", "not UTF-8") from None
    u = _parse_url(url)
    if u.scheme != "otpauth":
        raise OtpUrlError("Scheme", u.scheme)
    if u.host != "totp":
        raise OtpUrlError("Host", u.host or "")
    label = _urldecode_strict(u.path.lstrip("/"), "AccountNameDecoding")
    issuer: Optional[str] = None
    if ":" in label:
        issuer, account_name = label.split(":", 1)
    else:
        account_name = label
    account_name = _urldecode_strict(account_name, "AccountName")

    algorithm, digits, step, secret = "SHA1", 6, 30, b""
    any_case = version == "0.16"   # totp-rs 5.7.2 upper-cases the name first
    for key, value in _query_pairs(u.query):
        if key == "algorithm":
            name = value.upper() if any_case else value
            if name not in _ALGOS:
                raise OtpUrlError("Algorithm", value)
            algorithm = name
        elif key == "digits":
            d = _rust_uint(value, _U64)
            if d is None:
                raise OtpUrlError("Digits", value)
            digits = d
        elif key == "period":
            p = _rust_uint(value, _U64)
            if p is None:
                raise OtpUrlError("Step", value)
            step = p
        elif key == "secret":
            decoded = _base32(value, version)
            if decoded is None:
                raise OtpUrlError("Secret", "not base32")
            secret = decoded
        elif key == "issuer":
            if issuer is not None and value != issuer:
                raise OtpUrlError("IssuerMistmatch", f"{issuer!r} != {value!r}")
            issuer = value
    if not secret:
        raise OtpUrlError("Secret", "missing or empty")
    # TOTP::new
    if not 6 <= digits <= 8:
        raise OtpUrlError("InvalidDigits", str(digits))
    if len(secret) < 16:
        raise OtpUrlError("SecretTooSmall", f"{len(secret) * 8} bits")
    if issuer is not None and ":" in issuer:
        raise OtpUrlError("IssuerContainsColon", issuer)
    if ":" in account_name:
        raise OtpUrlError("AccountNameContainsColon", account_name)
    if step == 0:
        # from_url accepts it, but every check then divides by zero: unusable
        raise OtpUrlError("Step", "0")
    return Totp(algorithm, digits, 1, step, secret, issuer, account_name)


def secret_of(otp_url: Optional[str]) -> Optional[str]:
    """The raw `secret` parameter of a URL (for tests), None if absent."""
    if not isinstance(otp_url, str):
        return None
    query = otp_url.split("#", 1)[0].partition("?")[2]
    for key, value in _query_pairs(query):
        if key == "secret":
            return value
    return None


def check_code(otp_url: str, code: str, version: str = "0.16") -> bool:
    """True if `code` is valid now (±1 step). Raises OtpUrlError for a bad URL."""
    return parse_otp_url(otp_url, version).check_current(code)


def current_code(otp_url_or_secret: str, at: Optional[float] = None) -> str:
    """Test helper: the code valid now for a URL or a base32 secret."""
    if otp_url_or_secret.startswith("otpauth:"):
        t = parse_otp_url(otp_url_or_secret)
    else:
        t = Totp("SHA1", 6, 1, 30, base64.b32decode(otp_url_or_secret + "=" * (-len(otp_url_or_secret) % 8)),
                 None, "")
    return t.generate(time.time() if at is None else at)
