"""totp-rs 5.7.2 `TOTP::from_url` rules and code checking (stalwart-api.md §2.7)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from dataclasses import dataclass
from typing import Optional
from urllib.parse import parse_qsl, unquote, urlsplit

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ALGOS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


class OtpUrlError(ValueError):
    """The URL would make totp-rs fail; `.kind` mirrors totp-rs's error variant."""

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


def _b32decode_nopad(s: str) -> Optional[bytes]:
    # base32 crate, Rfc4648 { padding: false }: case-insensitive, no '='.
    bits = 0
    nbits = 0
    out = bytearray()
    for ch in s.upper():
        i = _B32.find(ch)
        if i < 0:
            return None
        bits = (bits << 5) | i
        nbits += 5
        if nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
            bits &= (1 << nbits) - 1
    return bytes(out)


def parse_otp_url(url: str) -> Totp:
    """Parse like totp-rs `TOTP::from_url` (checked variant). Raises OtpUrlError."""
    if not isinstance(url, str):
        raise OtpUrlError("Url", "not a string")
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise OtpUrlError("Url", str(e)) from None
    if parts.scheme.lower() != "otpauth":
        raise OtpUrlError("Scheme", parts.scheme)
    host = (parts.hostname or "")
    if host != "totp":
        raise OtpUrlError("Host", host)
    label = unquote(parts.path.lstrip("/"))
    issuer: Optional[str] = None
    if ":" in label:
        issuer, account_name = label.split(":", 1)
        if ":" in account_name:
            raise OtpUrlError("AccountNameContainsColon", account_name)
    else:
        account_name = label
    algorithm = "SHA1"
    digits = 6
    step = 30
    secret: Optional[bytes] = None
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "algorithm":
            a = value.upper()
            if a not in _ALGOS:
                raise OtpUrlError("Algorithm", value)
            algorithm = a
        elif key == "digits":
            if not value.isdigit():
                raise OtpUrlError("Digits", value)
            digits = int(value)
        elif key == "period":
            if not value.isdigit() or int(value) >= 2**64:
                raise OtpUrlError("Step", value)
            step = int(value)
        elif key == "secret":
            secret = _b32decode_nopad(value)
            if secret is None:
                raise OtpUrlError("Secret", "not unpadded RFC 4648 base32")
        elif key == "issuer":
            if issuer is not None and value != issuer:
                raise OtpUrlError("IssuerMistmatch", f"{issuer!r} != {value!r}")
            issuer = value
        # other parameters (image, ...) are ignored
    if secret is None:
        raise OtpUrlError("Secret", "missing")
    if not 6 <= digits <= 8:
        raise OtpUrlError("InvalidDigits", str(digits))
    if len(secret) < 16:
        raise OtpUrlError("SecretTooSmall", f"{len(secret) * 8} bits")
    if issuer is not None and ":" in issuer:
        raise OtpUrlError("IssuerContainsColon", issuer)
    if step == 0:
        # totp-rs would divide by zero when checking; treat as unusable.
        raise OtpUrlError("Step", "0")
    return Totp(algorithm, digits, 1, step, secret, issuer, account_name)


def secret_of(otp_url: Optional[str]) -> Optional[str]:
    """The raw `secret` parameter of a URL (for tests), None if absent/unparseable."""
    if not isinstance(otp_url, str):
        return None
    try:
        params = dict(parse_qsl(urlsplit(otp_url).query, keep_blank_values=True))
    except ValueError:
        return None
    return params.get("secret")


def check_code(otp_url: str, code: str) -> bool:
    """True if `code` is valid now (±1 step). Raises OtpUrlError for a bad URL."""
    return parse_otp_url(otp_url).check_current(code)


def current_code(otp_url_or_secret: str, at: Optional[float] = None) -> str:
    """Test helper: the code valid now for a URL or a base32 secret."""
    if otp_url_or_secret.startswith("otpauth:"):
        t = parse_otp_url(otp_url_or_secret)
    else:
        t = Totp("SHA1", 6, 1, 30, base64.b32decode(otp_url_or_secret + "=" * (-len(otp_url_or_secret) % 8)),
                 None, "")
    return t.generate(time.time() if at is None else at)
