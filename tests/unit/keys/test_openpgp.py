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
    assert rep.errors[0].params["date"].startswith("2020")


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
