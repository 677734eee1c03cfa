"""Builds the key/certificate corpus with the real tools (gpg, sq, openssl, pgpy).

Cases a tool cannot make (Curve448 in GnuPG 2.2, v6 keys, SHA-1 bindings) are
crafted packet by packet and signed with ``ecdsa``/pgpy, never skipped.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

from ecdsa import Ed25519, SigningKey

# name -> (accepted?, expected error key or None)
PGP_EXPECT = {
    "ed25519": (True, None),
    "rsa2048": (True, None),
    "rsa3072_sq": (True, None),
    "rsa4096": (True, None),
    "nistp256": (True, None),
    "nistp384": (True, None),
    "nistp521": (True, None),
    "dsa_rsa": (True, None),
    "rsa_primary_encr": (True, None),
    "subkey_revoked_sq": (False, "keys.pgp_revoked"),
    "cv25519_sq": (True, None),
    "dsa_elg": (False, "keys.pgp_unsupported_algo"),
    "brainpool": (False, "keys.pgp_unsupported_algo"),
    "cv448": (False, "keys.pgp_unsupported_algo"),
    "ed448": (False, "keys.pgp_unsupported_algo"),
    "rsa1024": (False, "keys.pgp_rsa_small"),
    "expired": (False, "keys.pgp_cert_expired"),
    "revoked": (False, "keys.pgp_cert_revoked"),
    "revoked_sq": (False, "keys.pgp_cert_revoked"),
    "expired_subkey": (False, "keys.pgp_expired"),
    "extended": (True, None),
    "sign_only": (False, "keys.pgp_no_encryption_key"),
    "corrupt_sig": (False, "keys.pgp_bad_signature"),
    "sha1_binding": (False, "keys.pgp_weak_hash"),
}
# Same verdict expected from `sq encrypt` (server = sequoia). Left out: v6
# (Debian's sq is sequoia 1.12, no v6) and keyrings (the sq CLI reads keyrings,
# the server's Cert::from_bytes refuses them). Revoked certificates are a
# deliberate divergence, see test_sq_divergences.
SQ_DIVERGENT = {"revoked", "revoked_sq"}
SQ_CROSSCHECK = sorted(set(PGP_EXPECT) - SQ_DIVERGENT)


def run(cmd, env=None, stdin=None, check=True):
    res = subprocess.run(cmd, env=env, input=stdin, capture_output=True, timeout=120)
    if check and res.returncode != 0:
        raise RuntimeError(f"{cmd!r} failed: {res.stderr.decode(errors='replace')}")
    return res


class Gpg:
    def __init__(self, home: Path):
        home.mkdir(mode=0o700)
        self.home = home
        self.env = dict(os.environ, GNUPGHOME=str(home), LC_ALL="C")

    def __call__(self, *args, fake=None, check=True):
        base = ["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""]
        if fake:
            base += ["--faked-system-time", fake]
        return run(base + list(args), env=self.env, check=check)

    def gen(self, uid, algo, usage="default", expire="never", fake=None) -> str:
        self("--quick-gen-key", uid, algo, usage, expire, fake=fake)
        out = self("--with-colons", "--list-keys", uid).stdout.decode()
        return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))

    def add(self, fpr, algo, usage="encr", expire="never", fake=None):
        self("--quick-add-key", fpr, algo, usage, expire, fake=fake)

    def export(self, fpr, armor=True, secret=False) -> bytes:
        args = (["--armor"] if armor else []) + ["--export-secret-keys" if secret else "--export", fpr]
        return self(*args).stdout

    def close(self):
        run(["gpgconf", "--kill", "gpg-agent"], env=self.env, check=False)


# --------------------------------------------------------------------------- hand-made packets

def _pkt(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 192:
        ln = bytes([n])
    elif n < 8384:
        n2 = n - 192
        ln = bytes([(n2 >> 8) + 192, n2 & 0xFF])
    else:
        ln = b"\xff" + n.to_bytes(4, "big")
    return bytes([0xC0 | tag]) + ln + body


def _mpi(b: bytes) -> bytes:
    i = int.from_bytes(b, "big")
    return i.bit_length().to_bytes(2, "big") + b.lstrip(b"\x00")


def _sub(typ: int, val: bytes) -> bytes:
    return bytes([len(val) + 1, typ]) + val


OID_ED25519 = bytes.fromhex("2b06010401da470f01")
OID_CV25519 = bytes.fromhex("2b060104019755010501")
OID_X448 = bytes.fromhex("2b656f")
OID_ED448 = bytes.fromhex("2b6571")


def _ecc_body(version, created, algo, oid, point, kdf=b""):
    mat = bytes([len(oid)]) + oid + _mpi(point) + kdf
    if version == 6:
        return bytes([6]) + created.to_bytes(4, "big") + bytes([algo]) + len(mat).to_bytes(4, "big") + mat
    return bytes([4]) + created.to_bytes(4, "big") + bytes([algo]) + mat


def _native_body(version, created, algo, raw):
    if version == 6:
        return bytes([6]) + created.to_bytes(4, "big") + bytes([algo]) + len(raw).to_bytes(4, "big") + raw
    return bytes([4]) + created.to_bytes(4, "big") + bytes([algo]) + raw


def _framed(version, body):
    if version == 6:
        return b"\x9b" + len(body).to_bytes(4, "big") + body
    return b"\x99" + len(body).to_bytes(2, "big") + body


def _fpr(version, body):
    return (hashlib.sha256 if version == 6 else hashlib.sha1)(_framed(version, body)).digest()


def _sign(sk, version, sigtype, algo, fpr, signed, subs, hash_id=8):
    hashed = _sub(2, int(time.time() - 60).to_bytes(4, "big")) + subs + _sub(33, bytes([version]) + fpr)
    lsize = 4 if version == 6 else 2
    trailer = bytes([version, sigtype, algo, hash_id]) + len(hashed).to_bytes(lsize, "big") + hashed
    salt = os.urandom(16) if version == 6 else b""
    h = hashlib.new({8: "sha256", 10: "sha512"}[hash_id])
    h.update(salt + signed + trailer + bytes([version, 0xFF]) + len(trailer).to_bytes(4, "big"))
    digest = h.digest()
    raw = sk.sign(digest) if sk is not None else os.urandom(64)
    if algo == 27:
        mat = raw
    else:
        mat = _mpi(raw[:32]) + _mpi(raw[32:])
    body = trailer + (0).to_bytes(lsize, "big") + digest[:2]
    if version == 6:
        body += bytes([len(salt)]) + salt
    return _pkt(2, body + mat)


def crafted(version: int, primary: str, subkey: str, sub_flags: int = 0x0C) -> bytes:
    """primary: 'ed25519' | 'ed448'; subkey: 'cv25519' | 'x448'."""
    created = int(time.time()) - 3600
    sk = SigningKey.generate(curve=Ed25519) if primary == "ed25519" else None
    if version == 6:
        pbody = _native_body(6, created, 27, sk.verifying_key.to_string())
        palgo = 27
    elif primary == "ed25519":
        pbody = _ecc_body(4, created, 22, OID_ED25519, b"\x40" + sk.verifying_key.to_string())
        palgo = 22
    else:
        pbody = _ecc_body(4, created, 22, OID_ED448, b"\x40" + os.urandom(57))
        palgo = 22
    fpr = _fpr(version, pbody)
    kdf = bytes([3, 1, 8, 7])
    if version == 6:
        sbody = _native_body(6, created, 25, os.urandom(32))
    elif subkey == "cv25519":
        sbody = _ecc_body(4, created, 18, OID_CV25519, b"\x40" + os.urandom(32), kdf)
    else:
        sbody = _ecc_body(4, created, 18, OID_X448, b"\x40" + os.urandom(56), bytes([3, 1, 10, 9]))
    uid = b"Crafted <crafted@example.org>"
    out = _pkt(6, pbody)
    if version == 6:
        out += _sign(sk, 6, 0x1F, palgo, fpr, _framed(6, pbody), _sub(27, b"\x03"))
    out += _pkt(13, uid)
    out += _sign(sk, version, 0x13, palgo, fpr, _framed(version, pbody) + b"\xb4" + len(uid).to_bytes(4, "big") + uid,
                 _sub(27, b"\x03") + _sub(25, b"\x01"))
    out += _pkt(14, sbody)
    out += _sign(sk, version, 0x18, palgo, fpr, _framed(version, pbody) + _framed(version, sbody), _sub(27, bytes([sub_flags])))
    return out


# --------------------------------------------------------------------------- corpus

def flip_last_sig_byte(data: bytes) -> bytes:
    """Flip a byte inside the last signature packet's final MPI (the binding)."""
    from app.keys.openpgp import parse_packets
    pkts = parse_packets(data)
    out, offset = bytearray(data), 0
    last_end = None
    for p in pkts:
        offset += len(p.raw)
        if p.tag == 2:
            last_end = offset
    out[last_end - 3] ^= 0x55
    return bytes(out)


def build(root: Path) -> dict:
    files: dict = {}

    def put(name, data):
        path = root / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        files[name] = path
        return path

    g = Gpg(root / "gnupg")
    try:
        fp = g.gen("Ed <ed@example.org>", "future-default")
        put("ed25519.asc", g.export(fp))
        put("ed25519.pgp", g.export(fp, armor=False))
        put("secret.asc", g.export(fp, secret=True))
        put("secret.pgp", g.export(fp, armor=False, secret=True))
        put("corrupt_sig.pgp", flip_last_sig_byte(g.export(fp, armor=False)))
        for name, algo in (("rsa2048", "rsa2048"), ("rsa4096", "rsa4096"), ("nistp256", "nistp256"),
                           ("nistp384", "nistp384"), ("nistp521", "nistp521"),
                           ("brainpool", "brainpoolP256r1"),
                           ("rsa1024", "rsa1024")):
            f = g.gen(f"{name} <{name}@example.org>", algo, "cert,sign")
            g.add(f, algo.replace("rsa1024", "rsa1024"), "encr")
            put(f"{name}.asc", g.export(f))
        f = g.gen("Dsa <dsa@example.org>", "dsa2048", "cert,sign")
        g.add(f, "elg2048", "encr")
        put("dsa_elg.asc", g.export(f))
        f = g.gen("Dsarsa <dsarsa@example.org>", "dsa2048", "cert,sign")
        g.add(f, "rsa2048", "encr")
        put("dsa_rsa.asc", g.export(f))
        f = g.gen("Prim <prim@example.org>", "rsa2048", "cert,sign,encr")
        put("rsa_primary_encr.asc", g.export(f))
        f = g.gen("Sign <sign@example.org>", "ed25519", "cert,sign")
        put("sign_only.asc", g.export(f))
        f = g.gen("Old <old@example.org>", "future-default", "default", "1y", fake="20200101T000000")
        put("expired.asc", g.export(f))
        # expired in 2021, then extended today: the newest self-signatures win
        f = g.gen("Ext <ext@example.org>", "future-default", "default", "1y", fake="20200101T000000")
        g.add(f, "cv25519", "encr", "1y", fake="20200101T000100")
        g("--quick-set-expire", f, "5y")
        g("--quick-set-expire", f, "5y", "*")
        g("--quick-add-uid", f, "Ext Two <ext2@example.org>")
        put("extended.asc", g.export(f))
        f = g.gen("Oldsub <oldsub@example.org>", "ed25519", "cert,sign", "never", fake="20200101T000000")
        g.add(f, "cv25519", "encr", "1y", fake="20200101T000100")
        put("expired_subkey.asc", g.export(f))
        # Revoked: import the revocation certificate gpg stored at generation.
        f = g.gen("Rev <rev@example.org>", "future-default")
        revfile = g.home / "openpgp-revocs.d" / f"{f}.rev"
        revtext = revfile.read_text().replace(":-----BEGIN", "-----BEGIN")
        revpath = root / "rev.asc"
        revpath.write_text(revtext)
        g("--import", str(revpath))
        put("revoked.asc", g.export(f))
    finally:
        g.close()

    # sequoia
    run(["sq", "key", "generate", "--userid", "<sq@example.org>", "--export", str(root / "sq.key")])
    put("cv25519_sq.asc", run(["sq", "key", "extract-cert", str(root / "sq.key")]).stdout)
    run(["sq", "key", "generate", "--cipher-suite", "rsa3k", "--userid", "<sq3k@example.org>",
         "--export", str(root / "sq3k.key")])
    put("rsa3072_sq.asc", run(["sq", "key", "extract-cert", str(root / "sq3k.key")]).stdout)
    revcert = run(["sq", "revoke", "certificate", "--certificate", str(root / "sq.key"),
                   "compromised", "test"]).stdout
    put("sq_rev.asc", revcert)
    # The revocation signature goes right after the primary key packet.
    from app.keys.openpgp import parse_packets
    cert_pkts = parse_packets(run(["sq", "dearmor", str(files["cv25519_sq.asc"])]).stdout)
    rev_bin = run(["sq", "dearmor", str(root / "sq_rev.asc")]).stdout
    merged = cert_pkts[0].raw + rev_bin + b"".join(p.raw for p in cert_pkts[1:])
    (root / "revoked_sq.pgp").write_bytes(merged)
    put("revoked_sq.asc", run(["sq", "armor", str(root / "revoked_sq.pgp")]).stdout)

    # A revoked encryption subkey. sq 0.27 prints the *secret* key here, under a
    # PUBLIC KEY BLOCK label: a real-world case of a secret key in disguise.
    inspect = run(["sq", "inspect", str(root / "sq.key")]).stdout.decode()
    enc_sub = [ln.split()[1] for ln in inspect.splitlines() if ln.strip().startswith("Subkey:")][-1]
    with_secret = run(["sq", "revoke", "subkey", "--certificate", str(root / "sq.key"), enc_sub,
                       "compromised", "test"]).stdout
    put("sq_secret_as_public.asc", with_secret)
    put("subkey_revoked_sq.asc", run(["sq", "key", "extract-cert"], stdin=with_secret).stdout)

    # pgpy: SHA-1 self-signatures (what old keys carry), which sequoia now rejects
    put("sha1_binding.asc", _pgpy_sha1())

    # hand-crafted: Curve448 (GnuPG 2.2 cannot make it) and v6
    put("cv448.pgp", crafted(4, "ed25519", "x448"))
    put("ed448.pgp", crafted(4, "ed448", "cv25519"))
    put("crafted_v4.pgp", crafted(4, "ed25519", "cv25519"))
    put("v6.pgp", crafted(6, "ed25519", "x25519"))

    # derived OpenPGP inputs
    put("keyring.pgp", files["ed25519.pgp"].read_bytes() + _dearmor(files["rsa2048.asc"]))
    asc = files["ed25519.asc"].read_text()
    put("prose.asc", "Hi admin,\nhere is my key:\n\n" + asc + "\nCheers, Ed\n")
    lines = asc.splitlines()
    crc_i = max(i for i, ln in enumerate(lines) if ln.startswith("=") and len(ln) == 5)
    bad = lines[crc_i][:1] + ("AAAA" if lines[crc_i][1:] != "AAAA" else "BBBB")
    put("bad_crc.asc", "\n".join(lines[:crc_i] + [bad] + lines[crc_i + 1:]) + "\n")
    put("no_crc.asc", "\n".join(lines[:crc_i] + lines[crc_i + 1:]) + "\n")

    _openssl(root, put)
    return files


def _dearmor(path: Path) -> bytes:
    from app.keys import armor
    return armor.dearmor_pgp(armor.scan(path.read_text()).blocks[0])[0]


def _pgpy_sha1() -> str:
    import warnings

    import pgpy
    from pgpy.constants import (EllipticCurveOID, HashAlgorithm, KeyFlags,
                                PubKeyAlgorithm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        key = pgpy.PGPKey.new(PubKeyAlgorithm.ECDSA, EllipticCurveOID.NIST_P256)
        uid = pgpy.PGPUID.new("Sha1", email="sha1@example.org")
        key.add_uid(uid, usage={KeyFlags.Certify, KeyFlags.Sign}, hashes=[HashAlgorithm.SHA1],
                    hash=HashAlgorithm.SHA1)
        sub = pgpy.PGPKey.new(PubKeyAlgorithm.ECDH, EllipticCurveOID.NIST_P256)
        key.add_subkey(sub, usage={KeyFlags.EncryptCommunications, KeyFlags.EncryptStorage},
                       hash=HashAlgorithm.SHA1)
        return str(key.pubkey)


def _openssl(root: Path, put) -> None:
    def req(name, newkey, subj, *ext, days="365"):
        key = root / f"{name}.key"
        args = ["openssl", "req", "-x509", "-newkey", newkey, "-nodes", "-keyout", str(key),
                "-out", str(root / f"{name}.pem"), "-days", days, "-subj", subj]
        for e in ext:
            args += ["-addext", e]
        run(args)
        put(f"{name}.pem", (root / f"{name}.pem").read_bytes())
        return key

    san = "subjectAltName=email:alice@example.org"
    ku = "keyUsage=critical,digitalSignature,keyEncipherment"
    k = req("cert_rsa2048", "rsa:2048", "/CN=Alice/emailAddress=alice@example.org", san, ku)
    req("cert_rsa1024", "rsa:1024", "/CN=Small", san, ku)
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(root / "cert_ec.key"), "-out", str(root / "cert_ec.pem"), "-days", "365",
         "-subj", "/CN=Ec", "-addext", san])
    put("cert_ec.pem", (root / "cert_ec.pem").read_bytes())
    req("cert_signonly", "rsa:2048", "/CN=Signer", san, "keyUsage=critical,digitalSignature")
    req("cert_short", "rsa:2048", "/CN=Shortlived", san, ku, days="1")
    put("cert_rsa2048.der", run(["openssl", "x509", "-in", str(root / "cert_rsa2048.pem"),
                                 "-outform", "DER"]).stdout)
    put("two_certs.pem", (root / "cert_rsa2048.pem").read_bytes() + (root / "cert_short.pem").read_bytes())
    put("cert_prose.pem", b"Subject: my cert\n\n" + (root / "cert_rsa2048.pem").read_bytes() + b"\n-- \nAlice\n")
    # private keys in every common PEM wrapping, and DER
    put("priv_pkcs8.pem", k.read_bytes())
    put("priv_encrypted.pem", run(["openssl", "pkcs8", "-topk8", "-in", str(k), "-passout", "pass:x",
                                   "-v2", "aes-256-cbc"]).stdout)
    put("priv_rsa.pem", run(["openssl", "rsa", "-in", str(k), "-traditional"]).stdout)
    put("priv_ec.pem", run(["openssl", "ec", "-in", str(root / "cert_ec.key")]).stdout)
    put("priv_pkcs8.der", run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", str(k),
                               "-outform", "DER"]).stdout)
    put("priv_with_cert.pem", (root / "cert_rsa2048.pem").read_bytes() + k.read_bytes())
    run(["openssl", "req", "-new", "-key", str(k), "-subj", "/CN=Alice", "-out", str(root / "csr.pem")])
    put("csr.pem", (root / "csr.pem").read_bytes())
    put("bundle.p12", run(["openssl", "pkcs12", "-export", "-in", str(root / "cert_rsa2048.pem"),
                           "-inkey", str(k), "-passout", "pass:x"]).stdout)
    put("bundle.p7b", run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", str(root / "two_certs.pem")]).stdout)
    put("bundle_der.p7b", run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", str(root / "cert_rsa2048.pem"),
                               "-outform", "DER"]).stdout)
    put("pubkey.pem", run(["openssl", "pkey", "-in", str(k), "-pubout"]).stdout)
    put("mixed.txt", (root / "cert_rsa2048.pem").read_bytes() + (root / "ed25519.asc").read_bytes())
    put("garbage.bin", b"\x01\xff" + os.urandom(510))  # neither OpenPGP (0x80) nor DER (0x30)
    put("garbage.txt", "hello, this is not a key\n")
    put("empty.txt", "  \n")
