"""OpenPGP verdicts against a corpus made by gpg, sq, pgpy and by hand, with sq as oracle."""
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from app.keys import armor, check_key
from keys_corpus import PGP_EXPECT, SQ_CROSSCHECK, SQ_DIVERGENT


def pgp_file(corpus, name):
    return corpus.get(f"{name}.asc") or corpus[f"{name}.pgp"]


def sq_accepts(path) -> bool:
    res = subprocess.run(["sq", "encrypt", "--recipient-cert", str(path)], input=b"test\n",
                         capture_output=True, timeout=60)
    return res.returncode == 0


@pytest.mark.parametrize("name", sorted(PGP_EXPECT))
def test_verdict_and_reason(corpus, name):
    accepted, reason = PGP_EXPECT[name]
    rep = check_key(pgp_file(corpus, name).read_bytes())
    assert rep.kind == "openpgp"
    assert rep.accepted is accepted, (name, rep.errors)
    assert not rep.is_private
    if accepted:
        assert rep.errors == []
        assert rep.normalized and rep.normalized.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        assert any(k.usable_for_encryption for k in rep.keys)
    else:
        assert reason in rep.error_keys(), rep.errors
        assert rep.normalized is None
        assert not any(k.usable_for_encryption for k in rep.keys)
        assert all(i.message and "{" not in i.message for i in rep.errors)


@pytest.mark.parametrize("name", SQ_CROSSCHECK)
def test_same_verdict_as_sq(corpus, name):
    path = pgp_file(corpus, name)
    assert check_key(path.read_bytes()).accepted == sq_accepts(path), name


@pytest.mark.parametrize("name", sorted(SQ_DIVERGENT))
def test_sq_divergences(corpus, name):
    # sequoia's .revoked(false) filter looks at the key's own revocation only,
    # so the server (and sq) would still encrypt to a revoked certificate. We
    # refuse it on purpose: its owner said it must not be used any more.
    path = pgp_file(corpus, name)
    assert sq_accepts(path)
    assert check_key(path.read_bytes()).error_keys() == ["keys.pgp_cert_revoked"]


def test_bad_crc_refused_though_sq_ignores_it(corpus):
    rep = check_key(corpus["bad_crc.asc"].read_text())
    assert rep.error_keys() == ["keys.bad_crc"]
    assert sq_accepts(corpus["bad_crc.asc"])  # sequoia does not verify the CRC


def test_missing_crc_is_fine(corpus):
    rep = check_key(corpus["no_crc.asc"].read_text())
    assert rep.accepted and "keys.crc_absent" in rep.note_keys()


def test_fingerprints_match_gpg(corpus):
    for name in ("ed25519", "rsa2048", "nistp384", "dsa_elg", "brainpool"):
        path = pgp_file(corpus, name)
        out = subprocess.run(["gpg", "--with-colons", "--show-keys", str(path)],
                             capture_output=True, text=True, env={"GNUPGHOME": str(path.parent / "gnupg")}).stdout
        fprs = [ln.split(":")[9] for ln in out.splitlines() if ln.startswith("fpr:")]
        rep = check_key(path.read_bytes())
        assert rep.fingerprints == fprs[:1]
        assert [k.fingerprint for k in rep.keys] == fprs


def test_key_details(corpus):
    rep = check_key(corpus["ed25519.asc"].read_text())
    prim, sub = rep.keys
    assert (prim.algorithm, prim.curve, prim.primary) == ("EdDSA", "Ed25519", True)
    assert "certify" in prim.flags and "sign" in prim.flags
    assert (sub.algorithm, sub.curve) == ("ECDH", "Cv25519")
    assert "encrypt_transport" in sub.flags and sub.usable_for_encryption
    assert rep.user_ids == ["Ed <ed@example.org>"] and rep.emails == ["ed@example.org"]
    assert rep.expires is None
    rsa = check_key(corpus["rsa4096.asc"].read_text())
    assert [k.bits for k in rsa.keys] == [4096, 4096]


def test_expired_subkey_details(corpus):
    rep = check_key(corpus["expired_subkey.asc"].read_text())
    sub = rep.keys[1]
    assert sub.expires is not None and sub.expires < datetime.now(timezone.utc)
    assert sub.problem == "keys.pgp_expired" and not sub.usable_for_encryption
    assert rep.errors[0].params["date"].year == 2020


def test_expiry_is_reported_and_warned(corpus):
    rep = check_key(corpus["cv25519_sq.asc"].read_text())  # sq keys expire after 3 years
    assert rep.accepted and rep.expires is not None
    later = check_key(corpus["cv25519_sq.asc"].read_text(), now=rep.expires - timedelta(days=3))
    assert later.accepted and "keys.expires_soon" in later.warning_keys()
    gone = check_key(corpus["cv25519_sq.asc"].read_text(), now=rep.expires + timedelta(days=1))
    assert not gone.accepted


def test_v6_key(corpus):
    rep = check_key(corpus["v6.pgp"].read_bytes())
    assert rep.accepted, rep.errors
    assert len(rep.fingerprints[0]) == 64  # SHA-256
    assert [k.algorithm for k in rep.keys] == ["Ed25519", "X25519"]


def test_secret_keys_refused(corpus):
    for name in ("secret.asc", "secret.pgp"):
        rep = check_key(corpus[name].read_bytes())
        assert rep.is_private and not rep.accepted and rep.normalized is None
        assert rep.error_keys() == ["keys.private_key"]
    # a secret key packet under a PUBLIC armor label is still a secret key
    data = armor.dearmor_pgp(armor.scan(corpus["secret.asc"].read_text()).blocks[0])[0]
    rep = check_key(armor.armor_pgp(data, "PGP PUBLIC KEY BLOCK"))
    assert rep.is_private


def test_secret_under_public_label_refused(corpus):
    text = corpus["sq_secret_as_public.asc"].read_text()
    assert "BEGIN PGP PUBLIC KEY BLOCK" in text
    rep = check_key(text)
    assert rep.is_private and rep.error_keys() == ["keys.private_key"]


def test_bom_is_stripped(corpus):
    rep = check_key("\ufeff" + corpus["ed25519.asc"].read_text())
    assert rep.accepted and "keys.normalized_stripped" in rep.note_keys()
    assert not rep.normalized.startswith("\ufeff")


def test_keyring_refused(corpus):
    rep = check_key(corpus["keyring.pgp"].read_bytes())
    assert rep.error_keys() == ["keys.keyring"] and rep.errors[0].params["count"] == 2
    two_blocks = corpus["ed25519.asc"].read_text() + corpus["rsa2048.asc"].read_text()
    assert check_key(two_blocks).error_keys() == ["keys.several_pgp_blocks"]


def test_binary_key_normalised(corpus):
    rep = check_key(corpus["ed25519.pgp"].read_bytes())
    assert rep.accepted and rep.note_keys() == ["keys.normalized_armored"]
    again = check_key(rep.normalized)
    assert again.accepted and again.notes == [] and again.fingerprints == rep.fingerprints
    # the server's rule: nothing but whitespace outside the block
    scan = armor.scan(rep.normalized)
    assert not scan.outside_text and len(scan.blocks) == 1
    out = subprocess.run(["sq", "inspect"], input=rep.normalized.encode(), capture_output=True)
    assert out.returncode == 0 and rep.fingerprints[0].encode() in out.stdout


def test_prose_around_block_normalised(corpus):
    rep = check_key(corpus["prose.asc"].read_text())
    assert rep.accepted and "keys.normalized_stripped" in rep.note_keys()
    assert "Hi admin" not in rep.normalized and "Cheers" not in rep.normalized
    assert check_key(rep.normalized).notes == []


def test_bare_base64_normalised(corpus):
    lines = corpus["ed25519.asc"].read_text().splitlines()
    body = "\n".join(ln for ln in lines[2:-2])
    rep = check_key(body)
    assert rep.accepted and "keys.normalized_armored" in rep.note_keys()


def test_email_match(corpus):
    data = corpus["ed25519.asc"].read_text()
    assert check_key(data, ["ED@example.org"]).warnings == []
    rep = check_key(data, ["someone@else.org"])
    assert rep.accepted and rep.warning_keys() == ["keys.email_mismatch"]


def test_storage_only_subkey_not_enough():
    # The server asks for for_transport_encryption(); a storage-only key is skipped.
    import keys_corpus as kc
    rep = check_key(kc.crafted(4, "ed25519", "cv25519", sub_flags=0x08))
    assert not rep.accepted and rep.error_keys() == ["keys.pgp_storage_only"]
    assert check_key(kc.crafted(4, "ed25519", "cv25519", sub_flags=0x04)).accepted


# RFC 9580, Appendix A.3: sample v6 certificate (Ed25519 primary with a
# direct-key signature, X25519 subkey, no user ID, no armor checksum).
RFC9580_V6 = """-----BEGIN PGP PUBLIC KEY BLOCK-----

xioGY4d/4xsAAAAg+U2nu0jWCmHlZ3BqZYfQMxmZu52JGggkLq2EVD34laPCsQYf
GwoAAABCBYJjh3/jAwsJBwUVCg4IDAIWAAKbAwIeCSIhBssYbE8GCaaX5NUt+mxy
KwwfHifBilZwj2Ul7Ce62azJBScJAgcCAAAAAK0oIBA+LX0ifsDm185Ecds2v8lw
gyU2kCcUmKfvBXbAf6rhRYWzuQOwEn7E/aLwIwRaLsdry0+VcallHhSu4RN6HWaE
QsiPlR4zxP/TP7mhfVEe7XWPxtnMUMtf15OyA51YBM4qBmOHf+MZAAAAIIaTJINn
+eUBXbki+PSAld2nhJh/LVmFsS+60WyvXkQ1wpsGGBsKAAAALAWCY4d/4wKbDCIh
BssYbE8GCaaX5NUt+mxyKwwfHifBilZwj2Ul7Ce62azJAAAAAAQBIKbpGG2dWTX8
j+VjFM21J0hqWlEg+bdiojWnKfA5AQpWUWtnNwDEM0g12vYxoWM8Y81W+bHBw805
I8kWVkXU6vFOi+HWvv/ira7ofJu16NnoUkhclkUrk0mXubZvyl4GBg==
-----END PGP PUBLIC KEY BLOCK-----
"""


def test_rfc9580_v6_sample():
    rep = check_key(RFC9580_V6)
    assert rep.accepted, rep.errors
    assert rep.fingerprints == ["CB186C4F0609A697E4D52DFA6C722B0C1F1E27C18A56708F6525EC27BAD9ACC9"]
    assert [k.fingerprint for k in rep.keys][1] == \
        "12C83F1E706F6308FE151A417743A1F033790E93E9978488D1DB378DA9930885"
    assert rep.note_keys() == ["keys.crc_absent"]
    data = bytearray(armor.dearmor_pgp(armor.scan(RFC9580_V6).blocks[0])[0])
    data[-5] ^= 1  # inside the subkey binding's Ed25519 signature
    assert check_key(bytes(data)).error_keys() == ["keys.pgp_bad_signature"]


def test_corrupt_user_id_signature(corpus):
    from app.keys.openpgp import parse_packets
    data = corpus["ed25519.pgp"].read_bytes()
    pkts = parse_packets(data)
    first_sig = next(i for i, p in enumerate(pkts) if p.tag == 2)
    offset = sum(len(p.raw) for p in pkts[:first_sig + 1])
    bad = bytearray(data)
    bad[offset - 3] ^= 0x55
    path = corpus["ed25519.pgp"].parent / "corrupt_uid_sig.pgp"
    path.write_bytes(bytes(bad))
    rep = check_key(bytes(bad))
    assert rep.error_keys() == ["keys.pgp_bad_signature"]
    assert rep.errors[0].params["what"] == "user ID"
    assert sq_accepts(path) is False


def test_not_a_key_packets(corpus):
    assert check_key(corpus["sq_rev.asc"].read_text()).error_keys() == ["keys.pgp_no_primary"]
    literal = b"\xcb" + bytes([6]) + b"b\x00\x00\x00\x00\x00"
    assert check_key(literal).error_keys() == ["keys.pgp_no_primary"]
    # a legal partial-length literal packet after a key: not part of a certificate
    partial = b"\xcb\xe9" + b"x" * 512 + b"\x01" + b"y"
    rep = check_key(corpus["ed25519.pgp"].read_bytes() + partial)
    assert rep.error_keys() == ["keys.pgp_corrupt"] and "type 11" in rep.errors[0].message
    v3 = b"\x99\x00\x0a\x03" + b"\x00" * 9
    assert check_key(v3).error_keys() == ["keys.pgp_version"]


def test_crlf_and_headers(corpus):
    text = corpus["ed25519.asc"].read_text()
    lines = text.splitlines()
    with_headers = "\r\n".join(lines[:1] + ["Comment: my key", "Version: x"] + lines[1:]) + "\r\n"
    rep = check_key(with_headers)
    assert rep.accepted and rep.notes == []
    assert rep.normalized == check_key(text).normalized
