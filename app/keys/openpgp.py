"""A small OpenPGP packet layer and a model of sequoia's StandardPolicy.

Only what deciding "would the server encrypt to this certificate?" needs:
packet framing (RFC 9580 §4), v4/v6 public keys and signatures, self-signature
verification, and the selection rules sequoia applies when the server calls
``keys().with_policy(StandardPolicy, now).supported().alive().revoked(false)
.for_transport_encryption()``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from app.issues import Issue

# Names, not the module: ``from . import pgpcrypto`` would run the package's
# __init__ first, so app.warm could not load this parser in a step of its own.
from .pgpcrypto import WEAK_HASHES, hash_name, new_hash, verify_dsa, verify_ecdsa, verify_ed25519, verify_rsa
from .report import KeyInfo

MAX_PACKETS = 20000
MAX_VERIFICATIONS = 200  # self-signatures checked per certificate (Ed25519 ~3 ms each in CPython)
MAX_MPI_BITS = 16384

PUBKEY, SECRET_KEY, PUBSUB, SECRET_SUB = 6, 5, 14, 7
SIG, UID, UAT, TRUST, MARKER = 2, 13, 17, 12, 10

ALGO_NAMES = {1: "RSA", 2: "RSA", 3: "RSA", 16: "ElGamal", 20: "ElGamal", 17: "DSA",
              18: "ECDH", 19: "ECDSA", 22: "EdDSA", 25: "X25519", 26: "X448",
              27: "Ed25519", 28: "Ed448"}

CURVES = {  # DER OID body -> name
    bytes.fromhex("2a8648ce3d030107"): "NIST P-256",
    bytes.fromhex("2b81040022"): "NIST P-384",
    bytes.fromhex("2b81040023"): "NIST P-521",
    bytes.fromhex("2b2403030208010107"): "brainpoolP256r1",
    bytes.fromhex("2b240303020801010b"): "brainpoolP384r1",
    bytes.fromhex("2b240303020801010d"): "brainpoolP512r1",
    bytes.fromhex("2b06010401da470f01"): "Ed25519",
    bytes.fromhex("2b060104019755010501"): "Cv25519",
    bytes.fromhex("2b6570"): "Ed25519",
    bytes.fromhex("2b656e"): "Cv25519",
    bytes.fromhex("2b6571"): "Ed448",
    bytes.fromhex("2b656f"): "X448",
}
NIST = {"NIST P-256", "NIST P-384", "NIST P-521"}

FLAG_NAMES = [(0x01, "certify"), (0x02, "sign"), (0x04, "encrypt_transport"),
              (0x08, "encrypt_storage"), (0x10, "split"), (0x20, "authenticate"),
              (0x80, "group")]

# Subpacket types sequoia understands; a critical one outside this set voids the signature.
KNOWN_SUBPACKETS = {2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 16, 20, 21, 22, 23, 24, 25, 26,
                    27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 39}


class PgpError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- packets

@dataclass
class Packet:
    tag: int
    body: bytes
    raw: bytes


def parse_packets(data: bytes, max_packets: int = MAX_PACKETS) -> list:
    packets = []
    pos, n = 0, len(data)
    while pos < n:
        if len(packets) >= max_packets:
            raise PgpError(f"more than {max_packets} packets")
        start = pos
        b = data[pos]
        pos += 1
        if not b & 0x80:
            raise PgpError(f"invalid packet header at byte {start}")
        if b & 0x40:  # new format
            tag = b & 0x3F
            chunks = []
            while True:
                if pos >= n:
                    raise PgpError("truncated packet header")
                o = data[pos]
                if o < 192:
                    length, pos = o, pos + 1
                elif o < 224:
                    if pos + 1 >= n:
                        raise PgpError("truncated packet header")
                    length, pos = ((o - 192) << 8) + data[pos + 1] + 192, pos + 2
                elif o == 255:
                    if pos + 5 > n:
                        raise PgpError("truncated packet header")
                    length, pos = int.from_bytes(data[pos + 1:pos + 5], "big"), pos + 5
                else:
                    # Partial body lengths are legal only for data packets.
                    if tag not in (8, 9, 11, 18, 20) or (not chunks and (1 << (o & 0x1F)) < 512):
                        raise PgpError(f"partial body length not allowed in packet type {tag}")
                    length = 1 << (o & 0x1F)
                    pos += 1
                    if pos + length > n:
                        raise PgpError("truncated packet")
                    chunks.append(data[pos:pos + length])
                    pos += length
                    continue
                if pos + length > n:
                    raise PgpError("truncated packet")
                chunks.append(data[pos:pos + length])
                pos += length
                break
            body = b"".join(chunks)
        else:  # old format
            tag = (b >> 2) & 0x0F
            ltype = b & 3
            if ltype == 3:
                length = n - pos
            else:
                size = (1, 2, 4)[ltype]
                if pos + size > n:
                    raise PgpError("truncated packet header")
                length = int.from_bytes(data[pos:pos + size], "big")
                pos += size
            if pos + length > n:
                raise PgpError("truncated packet")
            body = data[pos:pos + length]
            pos += length
        packets.append(Packet(tag, body, data[start:pos]))
    return packets


class _Reader:
    __slots__ = ("d", "p")

    def __init__(self, d: bytes, p: int = 0):
        self.d, self.p = d, p

    def take(self, k: int) -> bytes:
        if k < 0 or self.p + k > len(self.d):
            raise PgpError("truncated field")
        out = self.d[self.p:self.p + k]
        self.p += k
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def uint(self, k: int) -> int:
        return int.from_bytes(self.take(k), "big")

    def mpi(self) -> int:
        bits = self.uint(2)
        if bits > MAX_MPI_BITS:
            raise PgpError("number too large")
        return int.from_bytes(self.take((bits + 7) // 8), "big")

    def mpi_bytes(self) -> bytes:
        bits = self.uint(2)
        if bits > MAX_MPI_BITS:
            raise PgpError("number too large")
        return self.take((bits + 7) // 8)

    def oid(self) -> bytes:
        k = self.u8()
        if k in (0, 0xFF):
            raise PgpError("reserved curve OID length")
        return self.take(k)

    def rest(self) -> bytes:
        return self.take(len(self.d) - self.p)


# --------------------------------------------------------------------------- keys

@dataclass
class PubKey:
    version: int
    created: int
    algo: int
    params: dict
    pubbody: bytes
    fingerprint: bytes
    secret: bool = False

    @property
    def keyid(self) -> bytes:
        return self.fingerprint[-8:] if self.version == 4 else self.fingerprint[:8]

    @property
    def fpr_hex(self) -> str:
        return self.fingerprint.hex().upper()

    @property
    def curve(self) -> Optional[str]:
        return self.params.get("curve")

    @property
    def bits(self) -> Optional[int]:
        return self.params.get("bits")

    def framed(self) -> bytes:
        if self.version == 6:
            return b"\x9b" + len(self.pubbody).to_bytes(4, "big") + self.pubbody
        return b"\x99" + len(self.pubbody).to_bytes(2, "big") + self.pubbody


def _key_material(r: _Reader, algo: int, version: int) -> dict:
    if version == 6:
        declared = r.uint(4)
        start = r.p
    p: dict = {}
    if algo in (1, 2, 3):
        p["n"], p["e"] = r.mpi(), r.mpi()
        p["bits"] = p["n"].bit_length()
    elif algo == 17:
        p["p"], p["q"], p["g"], p["y"] = r.mpi(), r.mpi(), r.mpi(), r.mpi()
        p["bits"] = p["p"].bit_length()
    elif algo in (16, 20):
        p["p"], p["g"], p["y"] = r.mpi(), r.mpi(), r.mpi()
        p["bits"] = p["p"].bit_length()
    elif algo in (18, 19, 22):
        oid = r.oid()
        p["curve"] = CURVES.get(oid, "OID " + oid.hex())
        p["point"] = r.mpi_bytes()
        if algo == 18:
            kdf = r.take(r.u8())
            if len(kdf) < 3:
                raise PgpError("malformed ECDH parameters")
        p["bits"] = {"NIST P-256": 256, "NIST P-384": 384, "NIST P-521": 521,
                     "brainpoolP256r1": 256, "brainpoolP384r1": 384, "brainpoolP512r1": 512,
                     "Ed25519": 255, "Cv25519": 255, "Ed448": 448, "X448": 448}.get(p["curve"])
    elif algo in (25, 26, 27, 28):
        size = {25: 32, 26: 56, 27: 32, 28: 57}[algo]
        p["point"] = r.take(size)
        p["curve"] = {25: "Cv25519", 26: "X448", 27: "Ed25519", 28: "Ed448"}[algo]
        p["bits"] = {25: 255, 26: 448, 27: 255, 28: 448}[algo]
    else:
        if version == 6:
            r.take(declared)
        else:
            r.rest()
        p["unknown"] = True
    if version == 6 and r.p - start != declared:
        raise PgpError("key material length mismatch")
    return p


def parse_key(body: bytes, secret: bool) -> PubKey:
    r = _Reader(body)
    version = r.u8()
    if version not in (4, 6):
        raise _VersionError(version)
    created = r.uint(4)
    algo = r.u8()
    params = _key_material(r, algo, version)
    if not secret and r.p != len(body) and not params.get("unknown"):
        raise PgpError("trailing data after key material")
    pubbody = body[:r.p]
    if version == 6:
        fpr = hashlib.sha256(b"\x9b" + len(pubbody).to_bytes(4, "big") + pubbody).digest()
    else:
        fpr = hashlib.sha1(b"\x99" + len(pubbody).to_bytes(2, "big") + pubbody).digest()
    return PubKey(version, created, algo, params, pubbody, fpr, secret)


class _VersionError(PgpError):
    def __init__(self, version: int):
        super().__init__(f"key version {version}")
        self.version = version


# --------------------------------------------------------------------------- signatures

@dataclass
class Sig:
    version: int
    type: int
    algo: int
    hash_id: int
    trailer: bytes          # the hashed prefix of the packet
    left16: bytes
    salt: bytes
    material: tuple
    created: Optional[int] = None
    expires_after: Optional[int] = None
    key_expires_after: Optional[int] = None
    key_flags: Optional[int] = None
    primary_uid: bool = False
    issuers: set = field(default_factory=set)  # key ids and fingerprints (bytes)
    critical_unknown: bool = False
    revocation_reason: Optional[int] = None
    verified: Optional[bool] = None


def _subpackets(data: bytes, sig: Sig, hashed: bool) -> None:
    r = _Reader(data)
    while r.p < len(data):
        o = r.u8()
        if o < 192:
            length = o
        elif o < 255:
            length = ((o - 192) << 8) + r.u8() + 192
        else:
            length = r.uint(4)
        if length == 0:
            raise PgpError("empty signature subpacket")
        content = r.take(length)
        typ, crit, val = content[0] & 0x7F, content[0] & 0x80, content[1:]
        if typ in (16, 33):  # issuer: trusted from either area (it only selects a key)
            sig.issuers.add(val[1:] if typ == 33 else val)
            continue
        if not hashed:
            continue
        if crit and (typ not in KNOWN_SUBPACKETS or typ == 20):
            sig.critical_unknown = True
        if typ == 2 and len(val) == 4:
            sig.created = int.from_bytes(val, "big")
        elif typ == 3 and len(val) == 4:
            sig.expires_after = int.from_bytes(val, "big") or None
        elif typ == 9 and len(val) == 4:
            sig.key_expires_after = int.from_bytes(val, "big") or None
        elif typ == 27:
            sig.key_flags = val[0] if val else 0
        elif typ == 25 and val:
            sig.primary_uid = val[0] != 0
        elif typ == 29 and val:
            sig.revocation_reason = val[0]


def parse_sig(body: bytes) -> Sig:
    r = _Reader(body)
    version = r.u8()
    if version not in (4, 6):
        raise PgpError(f"signature version {version}")
    typ, algo, hash_id = r.u8(), r.u8(), r.u8()
    lsize = 4 if version == 6 else 2
    hashed = r.take(r.uint(lsize))
    trailer = body[:r.p]
    unhashed = r.take(r.uint(lsize))
    left16 = r.take(2)
    salt = b""
    if version == 6:
        salt = r.take(r.u8())
    if algo in (1, 3):
        material = (r.mpi(),)
    elif algo in (17, 19, 22):
        material = (r.mpi(), r.mpi())
    elif algo == 27:
        material = (r.take(64),)
    else:
        material = (r.rest(),)
    sig = Sig(version, typ, algo, hash_id, trailer, left16, salt, material)
    _subpackets(hashed, sig, True)
    _subpackets(unhashed, sig, False)
    return sig


def _digest(sig: Sig, signed: bytes) -> Optional[bytes]:
    h = new_hash(sig.hash_id)
    if h is None:
        return None
    if sig.version == 6:
        h.update(sig.salt)
    h.update(signed)
    h.update(sig.trailer)
    h.update(bytes([sig.version, 0xFF]) + len(sig.trailer).to_bytes(4, "big"))
    return h.digest()


def verify(sig: Sig, key: PubKey, signed: bytes) -> bool:
    """Cryptographic check only (policy is applied by the caller)."""
    if sig.version != key.version or sig.algo != key.algo and not (
            key.algo in (1, 3) and sig.algo in (1, 3)):
        return False
    digest = _digest(sig, signed)
    if digest is None or digest[:2] != sig.left16:
        return False
    p = key.params
    try:
        if key.algo in (1, 3):
            return verify_rsa(p["n"], p["e"], sig.material[0], sig.hash_id, digest)
        if key.algo == 17:
            return verify_dsa(p["p"], p["q"], p["g"], p["y"], *sig.material, digest)
        if key.algo == 19 and p["curve"] in NIST:
            return verify_ecdsa(p["curve"], p["point"], *sig.material, digest)
        if key.algo == 22 and p["curve"] == "Ed25519":
            pt = p["point"]
            if len(pt) != 33 or pt[0] != 0x40:
                return False
            r_, s_ = sig.material
            if r_.bit_length() > 256 or s_.bit_length() > 256:
                return False
            return verify_ed25519(pt[1:], r_.to_bytes(32, "big") + s_.to_bytes(32, "big"), digest)
        if key.algo == 27:
            return verify_ed25519(p["point"], sig.material[0], digest)
    except (KeyError, ValueError, TypeError, ZeroDivisionError):
        return False
    return False


# --------------------------------------------------------------------------- algorithms

def can_verify(key: PubKey) -> bool:
    a, c = key.algo, key.curve
    return (a in (1, 3) or a == 17 or (a == 19 and c in NIST)
            or (a == 22 and c == "Ed25519") or a == 27)


def can_encrypt_algo(key: PubKey) -> bool:
    a, c = key.algo, key.curve
    return a in (1, 2) or (a == 18 and (c in NIST or c == "Cv25519")) or a == 25


def algo_problem(key: PubKey, ts: int) -> Optional[Issue]:
    """Why sequoia's StandardPolicy or its crypto backend refuses this key."""
    kid = key.fpr_hex
    name = describe_algo(key)
    if key.params.get("unknown"):
        return Issue.make("keys.pgp_unsupported_algo", keyid=kid, algo=name)
    if key.algo in (16, 20):
        return Issue.make("keys.pgp_unsupported_algo", keyid=kid, algo=name)
    if key.algo in (1, 2, 3):
        if key.bits < 2048:
            return Issue.make("keys.pgp_rsa_small", keyid=kid, bits=key.bits)
        if key.bits > MAX_MPI_BITS:
            return Issue.make("keys.pgp_unsupported_algo", keyid=kid, algo=name)
        return None
    if key.algo == 17:
        if key.bits < 2048:
            return Issue.make("keys.pgp_unsupported_algo", keyid=kid, algo=name)
        return None
    if key.algo in (18, 19) and key.curve in NIST:
        return None
    if key.algo in (18, 25) and key.curve == "Cv25519":
        return None
    if key.algo in (22, 27) and key.curve == "Ed25519":
        return None
    return Issue.make("keys.pgp_unsupported_algo", keyid=kid, algo=name)


def describe_algo(key: PubKey) -> str:
    name = ALGO_NAMES.get(key.algo, f"algorithm #{key.algo}")
    if key.curve:
        return f"{name} ({key.curve})"
    if key.bits:
        return f"{name}-{key.bits}"
    return name


# --------------------------------------------------------------------------- certificate

@dataclass
class Component:
    key: Optional[PubKey] = None      # subkeys
    data: bytes = b""                 # user id / attribute bytes
    tag: int = 0
    sigs: list = field(default_factory=list)


@dataclass
class Cert:
    primary: PubKey
    direct: list                      # signatures directly on the primary
    uids: list                        # Component(tag=13/17)
    subkeys: list                     # Component(key=...)
    packets: list


def split_certs(packets: list) -> list:
    """Group packets by primary key; a keyring gives more than one group."""
    groups: list = []
    for pkt in packets:
        if pkt.tag in (PUBKEY, SECRET_KEY):
            groups.append([pkt])
        elif groups:
            groups[-1].append(pkt)
        elif pkt.tag == MARKER:
            continue
        else:
            groups.append([pkt])
    return groups


def build_cert(packets: list) -> Cert:
    first = packets[0]
    if first.tag not in (PUBKEY, SECRET_KEY):
        raise PgpError("the data does not start with a key")
    primary = parse_key(first.body, first.tag == SECRET_KEY)
    cert = Cert(primary, [], [], [], packets)
    current: Optional[Component] = None
    for pkt in packets[1:]:
        if pkt.tag == SIG:
            try:
                sig = parse_sig(pkt.body)
            except PgpError:
                continue  # sequoia keeps unparsable signatures as opaque packets
            (current.sigs if current else cert.direct).append(sig)
        elif pkt.tag in (UID, UAT):
            current = Component(data=pkt.body, tag=pkt.tag)
            cert.uids.append(current)
        elif pkt.tag in (PUBSUB, SECRET_SUB):
            current = Component(key=parse_key(pkt.body, pkt.tag == SECRET_SUB), tag=pkt.tag)
            cert.subkeys.append(current)
        elif pkt.tag in (TRUST, MARKER) or pkt.tag >= 60:
            continue
        else:
            raise PgpError(f"unexpected packet type {pkt.tag} inside a certificate")
    return cert


def _uid_framed(comp: Component) -> bytes:
    return (b"\xb4" if comp.tag == UID else b"\xd1") + len(comp.data).to_bytes(4, "big") + comp.data


def _ts(dt: int) -> datetime:
    return datetime.fromtimestamp(dt, tz=timezone.utc)


def _flag_names(flags: Optional[int]) -> list:
    if flags is None:
        return []
    return [name for bit, name in FLAG_NAMES if flags & bit]


@dataclass
class Evaluation:
    accepted: bool
    errors: list
    keys: list          # KeyInfo
    user_ids: list
    fingerprint: str
    expires: Optional[datetime]


class _Checker:
    """Applies signature policy and verification for one certificate, with memo."""

    def __init__(self, cert: Cert, now: int):
        self.cert, self.now = cert, now
        self.primary = cert.primary
        self.verifiable = can_verify(cert.primary) and algo_problem(cert.primary, now) is None
        self.problems: list = []  # (Issue) from signatures that failed
        self.budget = MAX_VERIFICATIONS
        self.exhausted = False

    def newest_valid(self, sigs: list, signed: bytes, what: str, subject: Optional[PubKey] = None):
        """The binding signature: the newest one that is valid now (older ones are not checked)."""
        for sig in sorted(sigs, key=lambda s: s.created or 0, reverse=True):
            if self.valid(sig, signed, what, subject=subject):
                return sig
        return None

    def by_primary(self, sig: Sig) -> bool:
        if not sig.issuers:
            return True
        fp, kid = self.primary.fingerprint, self.primary.keyid
        return any(i in (fp, kid) for i in sig.issuers)

    def valid(self, sig: Sig, signed: bytes, what: str, revocation: bool = False,
              subject: Optional[PubKey] = None) -> bool:
        """Signature valid now under StandardPolicy; records why not."""
        if sig.created is None or sig.created > self.now + 0:
            return False
        if sig.expires_after and sig.created + sig.expires_after <= self.now:
            return False
        if sig.critical_unknown:
            return False
        if not self.verifiable:
            return False
        if sig.verified is None:
            if self.budget <= 0:
                self.exhausted = True
                return False
            self.budget -= 1
            sig.verified = verify(sig, self.primary, signed)
        if not sig.verified:
            self.problems.append(Issue.make("keys.pgp_bad_signature", what=what,
                                       keyid=(subject or self.primary).fpr_hex))
            return False
        if sig.hash_id in WEAK_HASHES and not revocation:
            self.problems.append(Issue.make("keys.pgp_weak_hash", what=what, keyid=(subject or self.primary).fpr_hex,
                                       hash=hash_name(sig.hash_id)))
            return False
        return True


def evaluate(cert: Cert, now: int) -> Evaluation:
    ck = _Checker(cert, now)
    primary = cert.primary
    pframed = primary.framed()
    errors: list = []
    keyinfos: list = []

    # --- primary key: revocation, binding (primary user id or direct-key sig)
    prim_problem = algo_problem(primary, now)
    if prim_problem is None and not can_verify(primary):
        prim_problem = Issue.make("keys.pgp_unsupported_algo", keyid=primary.fpr_hex, algo=describe_algo(primary))
    mine = [s for s in cert.direct if ck.by_primary(s)]
    revoked = any(s.type == 0x20 and ck.valid(s, pframed, "revocation", True) for s in mine)
    direct_sig = ck.newest_valid([s for s in mine if s.type == 0x1F], pframed, "direct-key")

    user_ids: list = []
    uid_bindings: list = []
    for comp in cert.uids:
        if comp.tag == UID:
            user_ids.append(comp.data.decode("utf-8", "replace"))
        signed = pframed + _uid_framed(comp)
        newest = ck.newest_valid([s for s in comp.sigs if 0x10 <= s.type <= 0x13 and ck.by_primary(s)],
                                 signed, "user ID")
        if newest is None:
            continue
        uid_revoked = any(s.type == 0x30 and ck.by_primary(s) and s.created >= newest.created
                          and ck.valid(s, signed, "user ID revocation", True) for s in comp.sigs)
        if not uid_revoked and comp.tag == UID:
            uid_bindings.append(newest)
    if uid_bindings:
        binding = max(uid_bindings, key=lambda s: (s.primary_uid, s.created))
    else:
        binding = direct_sig

    def sub(attr: str):
        for s in (binding, direct_sig):
            if s is not None and getattr(s, attr) is not None:
                return getattr(s, attr)
        return None

    p_flags = sub("key_flags")
    p_exp_after = sub("key_expires_after")
    p_expires = primary.created + p_exp_after if p_exp_after else None
    cert_alive = p_expires is None or p_expires > now
    cert_valid = binding is not None and prim_problem is None and primary.created <= now

    pinfo = KeyInfo(fingerprint=primary.fpr_hex, algorithm=ALGO_NAMES.get(primary.algo, f"#{primary.algo}"),
                    bits=primary.bits, curve=primary.curve, flags=_flag_names(p_flags),
                    created=_ts(primary.created), expires=_ts(p_expires) if p_expires else None,
                    revoked=revoked, primary=True)
    keyinfos.append(pinfo)

    candidates = []  # (KeyInfo, problem Issue or None)
    if p_flags is not None and p_flags & 0x0C:
        problem = None
        if not can_encrypt_algo(primary) or prim_problem:
            problem = prim_problem or Issue.make("keys.pgp_unsupported_algo", keyid=primary.fpr_hex,
                                            algo=describe_algo(primary))
        elif not p_flags & 0x04:
            problem = Issue.make("keys.pgp_storage_only", keyid=primary.fpr_hex)
        candidates.append((pinfo, problem))

    # --- subkeys
    for comp in cert.subkeys:
        key = comp.key
        signed = pframed + key.framed()
        mine_sub = [s for s in comp.sigs if ck.by_primary(s)]
        bindings = [s for s in mine_sub if s.type == 0x18]
        bsig = ck.newest_valid(bindings, signed, "subkey binding", subject=key)
        shown = bsig or (max(bindings, key=lambda s: s.created or 0) if bindings else None)
        flags = shown.key_flags if shown else None
        exp_after = shown.key_expires_after if shown else None
        expires = key.created + exp_after if exp_after else None
        sub_revoked = False
        if bsig is not None:
            for s in mine_sub:
                if s.type == 0x28 and ck.valid(s, signed, "subkey revocation", True):
                    hard = s.revocation_reason in (None, 0, 2)
                    if hard or s.created >= bsig.created:
                        sub_revoked = True
        info = KeyInfo(fingerprint=key.fpr_hex, algorithm=ALGO_NAMES.get(key.algo, f"#{key.algo}"),
                       bits=key.bits, curve=key.curve, flags=_flag_names(flags),
                       created=_ts(key.created), expires=_ts(expires) if expires else None,
                       revoked=sub_revoked)
        keyinfos.append(info)
        if flags is None or not flags & 0x0C:
            continue
        problem = algo_problem(key, now)
        if problem is None and not can_encrypt_algo(key):
            problem = Issue.make("keys.pgp_unsupported_algo", keyid=key.fpr_hex, algo=describe_algo(key))
        if problem is None and bsig is None:
            problem = next((p for p in ck.problems if p.params.get("what") == "subkey binding"
                            and p.params.get("keyid") == key.fpr_hex), None) or Issue.make("keys.pgp_no_selfsig")
        if problem is None and sub_revoked:
            problem = Issue.make("keys.pgp_revoked", keyid=key.fpr_hex)
        if problem is None and expires is not None and expires <= now:
            problem = Issue.make("keys.pgp_expired", keyid=key.fpr_hex, date=_ts(expires).date())
        if problem is None and key.created > now:
            problem = Issue.make("keys.pgp_no_selfsig")
        if problem is None and not flags & 0x04:
            problem = Issue.make("keys.pgp_storage_only", keyid=key.fpr_hex)
        candidates.append((info, problem))

    # --- verdict, with one reason per refusal cause
    usable = []
    for info, problem in candidates:
        info.problem = problem.key if problem else None
        if problem is None and cert_valid and cert_alive and not revoked:
            info.usable_for_encryption = True
            usable.append(info)

    def add(i: Issue):
        if all((i.key, i.params) != (e.key, e.params) for e in errors):
            errors.append(i)

    if ck.exhausted and not usable:
        add(Issue.make("keys.pgp_too_complex", limit=MAX_VERIFICATIONS))
    if revoked:
        add(Issue.make("keys.pgp_cert_revoked"))
    if prim_problem is not None:
        add(prim_problem)
    elif binding is None:
        for p in ck.problems:
            if p.params.get("what") in ("user ID", "direct-key"):
                add(p)
        if not errors:
            add(Issue.make("keys.pgp_no_selfsig"))
    if cert_valid and not cert_alive:
        add(Issue.make("keys.pgp_cert_expired", date=_ts(p_expires).date()))
    if not usable and not errors:
        if not candidates:
            add(Issue.make("keys.pgp_no_encryption_key"))
        for _info, problem in candidates:
            if problem is not None:
                add(problem)
    if not usable and not errors:
        add(Issue.make("keys.pgp_no_usable_key"))
    accepted = bool(usable)
    if accepted:
        errors = []

    # Earliest moment the server can no longer encrypt: the primary expires,
    # or the last usable encryption key does.
    exp = None
    if usable:
        ends = [i.expires for i in usable]
        exp = None if any(e is None for e in ends) else max(ends)
        if p_expires is not None:
            pe = _ts(p_expires)
            exp = pe if exp is None else min(exp, pe)
    elif p_expires is not None:
        exp = _ts(p_expires)
    return Evaluation(accepted, errors, keyinfos, user_ids, primary.fpr_hex, exp)
