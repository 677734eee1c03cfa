"""An OpenID Connect directory, as Stalwart 0.16.18 runs one
(docs/stalwart-contract.md §2.10; `crates/directory/src/backend/oidc/*`).

* At start it reads ``{issuer}/.well-known/openid-configuration`` (the
  document's ``issuer`` must equal the configured one, trailing ``/`` aside)
  and the keys at its ``jwks_uri``.
* ``GET /api/discover/{address}`` answers with the fields of that document
  Stalwart keeps (``DiscoveryDocument``), nothing else.
* A Bearer token is a JWT when its header parses: the signature by a key of
  the JWKS (``kid`` picks it; an unknown ``kid`` reloads the keys once they
  are 300 s old), ``exp`` with 60 s leeway, ``iss`` equal to the document's,
  ``aud`` only when an audience is required, then the required scopes (the
  ``scope`` claim). HMAC is refused. Any other token is opaque: the provider's
  userinfo endpoint answers for it (401/403 there = refused).
* The username claim (``preferred_username`` by default) names the account;
  a value without ``@`` gets ``username_domain``; failing both, ``email``.
  A JWT without it asks userinfo too. An opaque token's audience and scopes
  are not checked (nothing to check them in).

Signatures: RS256/384/512 and PS256/384/512 (this module's own RSA
arithmetic), ES256/ES384 and EdDSA (``ecdsa``), so the demo needs no more
than the runtime packages.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Optional

# The fields Stalwart's DiscoveryDocument keeps (and serialises back), in its order.
KEPT = ("issuer", "jwks_uri", "userinfo_endpoint", "token_endpoint", "authorization_endpoint")
KEPT_OPTIONAL = ("end_session_endpoint", "scopes_supported", "claims_supported",
                 "code_challenge_methods_supported")
_HASH = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
_DIGEST_INFO = {  # DER prefix of DigestInfo (RFC 8017 §9.2)
    "256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "512": bytes.fromhex("3051300d060960864801650304020305000440"),
}


# What jsonwebtoken's decode_header parses: any other header (a JWE's "dir",
# "none") leaves the token opaque.
JWT_ALGORITHMS = ("HS256", "HS384", "HS512", "ES256", "ES384", "RS256", "RS384", "RS512",
                  "PS256", "PS384", "PS512", "EdDSA")


class Refused(Exception):
    """The token is not accepted (the server answers 401)."""


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _get_json(url: str, token: Optional[str] = None, timeout: float = 10.0) -> tuple[int, object]:
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


# --- signatures -------------------------------------------------------------------------
def _int(b64: str) -> int:
    return int.from_bytes(b64url_decode(b64), "big")


def _mgf1(seed: bytes, length: int, h) -> bytes:
    out, counter = b"", 0
    while len(out) < length:
        out += h(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _rsa_verify(jwk: dict, alg: str, data: bytes, sig: bytes) -> bool:
    n, e = _int(jwk["n"]), _int(jwk["e"])
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em_int = pow(s, e, n)
    bits = alg[2:]
    h = _HASH[bits]
    digest = h(data).digest()
    if alg.startswith("RS"):  # EMSA-PKCS1-v1_5
        t = _DIGEST_INFO[bits] + digest
        return em_int.to_bytes(k, "big") == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    # EMSA-PSS-VERIFY, salt length = hash length (RFC 7518 §3.5)
    em_bits = n.bit_length() - 1
    em_len = (em_bits + 7) // 8
    em = em_int.to_bytes(em_len, "big")
    hlen = len(digest)
    if em_len < 2 * hlen + 2 or em[-1] != 0xBC:
        return False
    masked, hh = em[:em_len - hlen - 1], em[em_len - hlen - 1:-1]
    zero_bits = 8 * em_len - em_bits
    if zero_bits and masked[0] >> (8 - zero_bits):
        return False
    db = bytes(a ^ b for a, b in zip(masked, _mgf1(hh, len(masked), h)))
    db = bytes([db[0] & (0xFF >> (8 * em_len - em_bits))]) + db[1:]
    ps_len = em_len - 2 * hlen - 2
    if db[:ps_len] != b"\x00" * ps_len or db[ps_len] != 1:
        return False
    salt = db[ps_len + 1:]
    return h(b"\x00" * 8 + digest + salt).digest() == hh


def _ec_verify(jwk: dict, alg: str, data: bytes, sig: bytes) -> bool:
    from ecdsa import BadSignatureError, NIST256p, NIST384p, VerifyingKey
    curve, h = (NIST256p, hashlib.sha256) if alg == "ES256" else (NIST384p, hashlib.sha384)
    try:
        vk = VerifyingKey.from_string(b64url_decode(jwk["x"]) + b64url_decode(jwk["y"]), curve=curve,
                                      hashfunc=h)
        return vk.verify(sig, data, hashfunc=h)
    except (BadSignatureError, ValueError, AssertionError):
        return False


def _ed_verify(jwk: dict, data: bytes, sig: bytes) -> bool:
    from ecdsa import BadSignatureError, Ed25519, VerifyingKey
    if jwk.get("crv") != "Ed25519":
        return False
    try:
        return VerifyingKey.from_string(b64url_decode(jwk["x"]), curve=Ed25519).verify(sig, data)
    except (BadSignatureError, ValueError, AssertionError):
        return False


def key_algorithm(jwk: dict) -> Optional[str]:
    """The algorithm Stalwart pins to a JWKS key (lookup.rs fetch_jwks_keys), or
    None when it skips the key (not for signatures, HMAC, other curves)."""
    if jwk.get("use") not in (None, "sig"):
        return None
    kty = jwk.get("kty")
    if kty == "RSA":
        alg = jwk.get("alg") or "RS256"
        return alg if alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512") else None
    if kty == "EC":
        return {"P-256": "ES256", "P-384": "ES384"}.get(jwk.get("crv"))
    if kty == "OKP":
        return "EdDSA"
    return None


def verify_signature(jwk: dict, alg: str, data: bytes, sig: bytes) -> bool:
    try:
        if alg[:2] in ("RS", "PS"):
            return _rsa_verify(jwk, alg, data, sig)
        if alg in ("ES256", "ES384"):
            return _ec_verify(jwk, alg, data, sig)
        if alg == "EdDSA":
            return _ed_verify(jwk, data, sig)
    except (KeyError, ValueError, TypeError):
        return False
    return False


# --- the directory ----------------------------------------------------------------------
@dataclass
class OidcDirectory:
    """``domain``: the mail domain whose accounts it holds (Enterprise: a
    directory per domain); None = the default directory (every domain).
    ``require_audience``/``require_scopes``/``claim_username``/
    ``username_domain``: the OidcDirectory settings of the same names."""
    issuer_url: str
    domain: Optional[str] = None
    require_audience: Optional[str] = "stalwart"       # the schema's defaults (0.16.18)
    require_scopes: tuple = ("openid", "email")
    claim_username: str = "preferred_username"
    username_domain: Optional[str] = None
    document: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)           # kid -> (jwk, alg)
    keys_loaded_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def open(self) -> "OidcDirectory":
        status, doc = _get_json(self.issuer_url.rstrip("/") + "/.well-known/openid-configuration")
        if status != 200 or not isinstance(doc, dict):
            raise RuntimeError(f"OIDC discovery failed (HTTP {status})")
        missing = [k for k in KEPT if not isinstance(doc.get(k), str)]
        if missing:
            raise RuntimeError(f"Discovery JSON parse error: missing field `{missing[0]}`")
        if doc["issuer"].rstrip("/") != self.issuer_url.rstrip("/"):
            raise RuntimeError(f"Issuer mismatch: discovery document says '{doc['issuer']}' but "
                               f"configured issue_url is '{self.issuer_url}'")
        self.document = {k: doc[k] for k in KEPT}
        self.document.update({k: doc[k] for k in KEPT_OPTIONAL if doc.get(k) is not None})
        self._load_keys()
        return self

    def _load_keys(self) -> None:
        status, jwks = _get_json(self.document["jwks_uri"])
        if status != 200 or not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise Refused("JWKS fetch failed")
        keys, n = {}, 0
        for k in jwks["keys"]:
            alg = key_algorithm(k) if isinstance(k, dict) else None
            if alg is None:
                continue
            kid = k.get("kid")
            if not isinstance(kid, str):
                kid, n = f"_synthetic_{n}", n + 1
            keys[kid] = (k, alg)
        self.keys, self.keys_loaded_at = keys, time.time()

    def holds(self, domain: Optional[str]) -> bool:
        return self.domain is None or (domain or "").lower() == self.domain

    # --- tokens ---------------------------------------------------------------------------
    def authenticate(self, token: str) -> str:
        """The account address this token names, or ``Refused``."""
        parts = token.split(".")
        header = None
        if len(parts) == 3:
            try:
                header = json.loads(b64url_decode(parts[0]))
            except (ValueError, UnicodeDecodeError):
                header = None
        if isinstance(header, dict) and header.get("alg") in JWT_ALGORITHMS:
            return self._jwt(token, parts, header)
        return self._opaque(token)

    def _candidates(self, kid: Optional[str]) -> list:
        with self._lock:
            if kid is not None:
                if kid in self.keys:
                    return [self.keys[kid]]
                if time.time() - self.keys_loaded_at < 300:
                    raise Refused("Unknown key id")
            elif self.keys:
                return list(self.keys.values())
            self._load_keys()
            if kid is not None:
                if kid not in self.keys:
                    raise Refused("Unknown key id after refresh")
                return [self.keys[kid]]
            return list(self.keys.values())

    def _jwt(self, token: str, parts: list, header: dict) -> str:
        if header["alg"] in ("HS256", "HS384", "HS512"):
            raise Refused("Unsupported algorithm")
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        data, sig = f"{parts[0]}.{parts[1]}".encode(), b64url_decode(parts[2])
        for jwk, alg in self._candidates(kid):
            if alg != header["alg"] or not verify_signature(jwk, alg, data, sig):
                continue
            claims = json.loads(b64url_decode(parts[1]))
            if not isinstance(claims, dict):
                raise Refused("JWT validation failed")
            self._check_claims(claims)
            email = self._email(claims)
            if email is None:
                info = self._userinfo(token)
                merged = dict(info, **{k: v for k, v in claims.items() if v is not None})
                email = self._email(merged)
                if email is None:
                    raise Refused("Could not determine a valid email address for account")
            return email
        raise Refused("JWT validation failed")

    def _check_claims(self, claims: dict) -> None:
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp + 60 < time.time():
            raise Refused("ExpiredSignature")
        if claims.get("iss") != self.document["issuer"]:
            raise Refused("InvalidIssuer")
        if self.require_audience is not None:
            aud = claims.get("aud")
            auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            if self.require_audience not in auds:
                raise Refused("InvalidAudience")
        if self.require_scopes:
            sc = claims.get("scope")
            have = sc.split() if isinstance(sc, str) else [s for s in sc if isinstance(s, str)] \
                if isinstance(sc, list) else []
            for s in self.require_scopes:
                if s not in have:
                    raise Refused(f"Missing required scope '{s}'")

    def _opaque(self, token: str) -> str:
        email = self._email(self._userinfo(token))
        if email is None:
            raise Refused("Could not determine a valid email address for account")
        return email

    def _userinfo(self, token: str) -> dict:
        try:
            status, info = _get_json(self.document["userinfo_endpoint"], token)
        except (urllib.error.URLError, OSError):
            raise Refused("UserInfo request failed") from None
        if status in (401, 403):
            raise Refused(f"Token rejected by UserInfo endpoint with status {status}")
        if status != 200 or not isinstance(info, dict):
            raise Refused(f"UserInfo returned HTTP {status}")
        return info

    def _email(self, claims: dict) -> Optional[str]:
        v = claims.get(self.claim_username)
        if isinstance(v, str):
            if "@" in v:
                return v
            if self.username_domain:
                return f"{v}@{self.username_domain}"
        if self.claim_username != "email":
            v = claims.get("email")
            if isinstance(v, str) and "@" in v:
                return v
        return None


def jwt_domain(token: str) -> Optional[str]:
    """Stalwart's ``extract_jwt_domain``: without verifying anything, the domain
    of the first of ``email``, ``preferred_username``, ``upn`` holding an
    address; it picks the directory of that domain."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict):
        return None
    for c in ("email", "preferred_username", "upn"):
        v = claims.get(c)
        if isinstance(v, str) and "@" in v:
            dom = v.rsplit("@", 1)[1]
            if dom:
                return dom.lower()
    return None
