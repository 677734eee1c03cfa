"""Private keys in every form are recognised, named, and refused everywhere:
by check_key, by the CLI, and by the upload guard (one recogniser for all)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import private_corpus
from app.errors import InvalidInput
from app.keys import check_key
from app.keys.private import private_kind
from app.stalwart import validate

ROOT = Path(__file__).resolve().parents[3]
BINARY_SUFFIXES = (".pgp", ".der", ".p12")

# what the refusal must name, by the form's file name
EXPECTED_KIND = [("putty_", "putty"), ("sshcom_", "sshcom"), ("jwk", "jwk"), ("gnupg_", "gnupg"),
                 ("p12_", "pkcs12"), ("bundle.p12", "pkcs12"), ("ssh_ed25519", "openssh"),
                 ("ssh_rsa_encrypted", "openssh"), ("pgp_", "openpgp"), ("secret.", "openpgp"),
                 ("sq_", "openpgp")]


@pytest.fixture(scope="session")
def private(corpus, tmp_path_factory) -> dict:
    return private_corpus.build(tmp_path_factory.mktemp("private-keys"), corpus)


@pytest.fixture(scope="session")
def controls(corpus, tmp_path_factory) -> dict:
    return private_corpus.public_controls(tmp_path_factory.mktemp("public-controls"), corpus)


def _data(path: Path):
    """What the page or the upload guard gets: text for text files, bytes otherwise."""
    raw = path.read_bytes()
    if path.suffix in BINARY_SUFFIXES:
        return raw
    return raw.decode("utf-8")


def test_the_corpus_is_complete(private):
    assert len(private_corpus.NAMES) >= 30
    assert set(private) == set(private_corpus.NAMES)
    assert len(set(p.read_bytes() for p in private.values())) == len(private)  # no duplicates


@pytest.mark.parametrize("name", private_corpus.NAMES)
def test_check_key_refuses_and_names_it(private, name):
    data = _data(private[name])
    rep = check_key(data)
    assert rep.is_private and not rep.accepted and rep.normalized is None, (name, rep.errors)
    want = "keys.pkcs12" if name in private_corpus.PKCS12 else "keys.private_key"
    assert rep.error_keys() == [want], (name, rep.errors)
    assert "PRIVATE" in rep.errors[0].message
    found = private_kind(data)
    expected = next((kind for prefix, kind in EXPECTED_KIND if name.startswith(prefix)), None)
    if expected:
        assert found.kind == expected, (name, found)
    if want == "keys.private_key":
        assert found.what in rep.errors[0].message  # the message names the form
    # bytes and text alike (a dropped file arrives as bytes)
    assert check_key(private[name].read_bytes()).is_private


@pytest.mark.parametrize("name", private_corpus.NAMES)
def test_upload_guard_refuses_it(private, name):
    with pytest.raises(InvalidInput) as e:
        validate.public_key(_data(private[name]))
    assert e.value.key == "err.input.private_key"


def test_cli_refuses_every_form(private):
    files = [str(private[n]) for n in private_corpus.NAMES]
    res = subprocess.run([sys.executable, "-m", "app.keys", "--json", *files], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stderr
    out = json.loads(res.stdout)
    assert [o["file"] for o in out] == files
    for o in out:
        assert o["is_private"] and not o["accepted"], o
        assert o["error_keys"] in (["keys.private_key"], ["keys.pkcs12"]) and "PRIVATE" in o["errors"][0]
    one = subprocess.run([sys.executable, "-m", "app.keys", files[0]], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert one.returncode == 1 and "REFUSED" in one.stdout and "PRIVATE" in one.stdout


def test_public_forms_are_not_called_private(controls):
    assert len(controls) >= 40
    for name, path in controls.items():
        assert private_kind(path.read_bytes()) is None, name
        assert not check_key(path.read_bytes()).is_private, name


def test_public_controls_still_get_their_verdicts(controls):
    for name in ("ed25519.asc", "cert_rsa2048.pem", "cert_rsa2048.der", "bundle.p7b", "rsa2048.asc"):
        assert check_key(controls[name].read_bytes()).accepted, name
    validate.public_key(controls["ed25519.asc"].read_text())  # a public key passes the guard
    with pytest.raises(InvalidInput) as e:
        validate.public_key(controls["jwk_public.json"].read_text())
    assert e.value.key == "err.input.key_required"


def test_private_label_words_in_prose_are_not_a_key():
    for text in ("Please never send your private key.", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
                 "I lost my secret key\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n",
                 '{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "BBBB"}', '{"d": 1}'):
        assert private_kind(text) is None, text


@pytest.mark.parametrize("name", ["priv_pkcs8.pem", "secret.asc", "ssh_ed25519", "putty_ed25519_v3.ppk",
                                  "jwk_rsa.json", "pgp_lowercase.asc"])
def test_cut_off_pastes_are_still_private(private, name):
    text = private[name].read_text()
    for cut in range(60, len(text), max(1, len(text) // 25)):
        assert private_kind(text[:cut]) is not None, (name, cut)


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.one_of(st.binary(max_size=4096), st.text(max_size=2048)))
def test_recogniser_never_raises(data):
    # the inner function: private_kind's own guard would turn a crash into "not private"
    from app.keys import private
    found = private._kind(data)
    assert found is None or (found.kind and found.what)
