"""S/MIME certificates, private keys, CSRs and other things people paste."""
from datetime import datetime, timedelta, timezone

import pytest

from app.keys import check_key


def test_rsa2048_accepted(corpus):
    rep = check_key(corpus["cert_rsa2048.pem"].read_text(), ["alice@example.org"])
    assert rep.accepted and rep.kind == "smime" and rep.errors == [] and rep.warnings == []
    cert = rep.certificates[0]
    assert "Alice" in cert.subject and cert.emails == ["alice@example.org"]
    assert cert.key_usage == ["digital_signature", "key_encipherment"]
    assert cert.not_before < datetime.now(timezone.utc) < cert.not_after
    assert rep.keys[0].algorithm == "RSA" and rep.keys[0].bits == 2048
    assert rep.emails == ["alice@example.org"] and rep.expires == cert.not_after
    assert len(rep.fingerprints[0]) == 64
    assert rep.normalized.strip() == corpus["cert_rsa2048.pem"].read_text().strip()


def test_rsa1024_refused(corpus):
    rep = check_key(corpus["cert_rsa1024.pem"].read_text())
    assert not rep.accepted and rep.error_keys() == ["keys.smime_rsa_small"]
    assert rep.errors[0].params["bits"] == 1024


def test_ec_refused(corpus):
    rep = check_key(corpus["cert_ec.pem"].read_text())
    assert not rep.accepted and rep.error_keys() == ["keys.smime_not_rsa"]
    assert "EC" in rep.errors[0].message and "RSA" in rep.errors[0].message


def test_expired_and_not_yet_valid_warned(corpus):
    pem = corpus["cert_rsa2048.pem"].read_text()
    later = datetime.now(timezone.utc) + timedelta(days=400)
    rep = check_key(pem, now=later)
    assert rep.accepted and "keys.smime_expired" in rep.warning_keys()
    earlier = datetime.now(timezone.utc) - timedelta(days=2)
    assert "keys.smime_not_yet_valid" in check_key(pem, now=earlier).warning_keys()


def test_no_key_encipherment_warned(corpus):
    rep = check_key(corpus["cert_signonly.pem"].read_text())
    assert rep.accepted and rep.warning_keys() == ["keys.smime_no_key_encipherment"]


def test_email_mismatch_warned(corpus):
    rep = check_key(corpus["cert_rsa2048.pem"].read_text(), ["bob@example.org"])
    assert rep.accepted and rep.warning_keys() == ["keys.email_mismatch"]
    assert check_key(corpus["cert_rsa2048.pem"].read_text(), ["ALICE@example.org"]).warnings == []


def test_several_certs(corpus):
    rep = check_key(corpus["two_certs.pem"].read_text())
    assert rep.accepted and len(rep.fingerprints) == 2 and len(rep.certificates) == 2
    assert rep.normalized.count("BEGIN CERTIFICATE") == 2
    assert "keys.expires_soon" in rep.warning_keys()  # the 1-day certificate


@pytest.mark.parametrize("name", ["priv_pkcs8.pem", "priv_encrypted.pem", "priv_rsa.pem",
                                  "priv_ec.pem", "priv_pkcs8.der", "priv_with_cert.pem"])
def test_private_keys_refused(corpus, name):
    rep = check_key(corpus[name].read_bytes())
    assert rep.is_private and not rep.accepted and rep.normalized is None
    assert rep.error_keys() == ["keys.private_key"]
    assert "PRIVATE" in rep.errors[0].message


def test_openssh_private_key_refused():
    text = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    assert check_key(text).is_private


def test_csr_refused(corpus):
    assert check_key(corpus["csr.pem"].read_text()).error_keys() == ["keys.csr"]


def test_bare_public_key_refused(corpus):
    assert check_key(corpus["pubkey.pem"].read_text()).error_keys() == ["keys.bare_public_key"]


def test_mixed_refused(corpus):
    assert check_key(corpus["mixed.txt"].read_text()).error_keys() == ["keys.mixed"]


@pytest.mark.parametrize("name,key", [("garbage.bin", "keys.not_a_key"), ("garbage.txt", "keys.not_a_key"),
                                      ("empty.txt", "keys.empty")])
def test_garbage_refused(corpus, name, key):
    rep = check_key(corpus[name].read_bytes())
    assert not rep.accepted and rep.error_keys() == [key] and rep.kind is None


def test_empty_and_odd_types():
    assert check_key("").error_keys() == ["keys.empty"]
    assert check_key(b"").error_keys() == ["keys.empty"]
    assert check_key(None).error_keys() == ["keys.not_a_key"]  # type: ignore[arg-type]
    big = "A" * (2 << 20)
    assert check_key(big).error_keys() == ["keys.too_large"]


def test_der_normalised(corpus):
    rep = check_key(corpus["cert_rsa2048.der"].read_bytes())
    assert rep.accepted and rep.note_keys() == ["keys.normalized_der"]
    assert rep.normalized.strip() == corpus["cert_rsa2048.pem"].read_text().strip()


def test_prose_around_cert_normalised(corpus):
    rep = check_key(corpus["cert_prose.pem"].read_text())
    assert rep.accepted and rep.note_keys() == ["keys.normalized_stripped"]
    assert rep.normalized.startswith("-----BEGIN CERTIFICATE-----")


def test_public_key_block_next_to_cert_dropped(corpus):
    text = corpus["cert_rsa2048.pem"].read_text() + corpus["pubkey.pem"].read_text()
    rep = check_key(text)
    assert rep.accepted and "keys.normalized_ignored" in rep.note_keys()
    assert "PUBLIC KEY" not in rep.normalized


def test_damaged_cert(corpus):
    text = corpus["cert_rsa2048.pem"].read_text()
    lines = text.splitlines()
    lines[5] = lines[5][:10] + ("A" if lines[5][10] != "A" else "B") + lines[5][11:]
    rep = check_key("\n".join(lines))
    # a flipped base64 char may still decode; either way: no crash and a verdict
    assert isinstance(rep.accepted, bool)
    broken = check_key(text.replace(lines[3], lines[3][:20]))
    assert not broken.accepted and broken.error_keys()[0] in ("keys.smime_bad_cert", "keys.bad_pem")


def test_pkcs12_refused_as_private(corpus):
    rep = check_key(corpus["bundle.p12"].read_bytes())
    assert rep.is_private and rep.error_keys() == ["keys.pkcs12"] and "-nokeys" in rep.errors[0].message


def test_pkcs7_bundles_normalised(corpus):
    rep = check_key(corpus["bundle.p7b"].read_text())
    assert rep.accepted and "keys.normalized_pkcs7" in rep.note_keys() and len(rep.fingerprints) == 2
    assert rep.normalized.count("-----BEGIN CERTIFICATE-----") == 2 and "PKCS7" not in rep.normalized
    der = check_key(corpus["bundle_der.p7b"].read_bytes())
    assert der.accepted and der.note_keys() == ["keys.normalized_pkcs7"]
    assert der.fingerprints == check_key(corpus["cert_rsa2048.pem"].read_text()).fingerprints


def test_other_block_refused():
    text = "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n"
    assert check_key(text).error_keys() == ["keys.unsupported_block"]
