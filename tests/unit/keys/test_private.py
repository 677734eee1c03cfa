"""Private keys in every form are recognised, named, and refused everywhere:
by check_key, by the CLI, and by the upload guard (one recogniser for all)."""
from __future__ import annotations

import base64
import json
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import private_corpus
from app.errors import InvalidInput
from app.keys import check_key
from app.keys.private import private_kind, refuse
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


# --------------------------------------------------------------------------- as fields hold them
# Where the private part starts after the first 255 characters, a description
# field (maxlength 255) holds none of it: a certificate's start, a public JWK.
LATE = {"priv_with_cert.pem": "PRIVATE", "jwks_mixed.json": '"d"'}


def field_values(name: str, raw: bytes) -> dict[str, object]:
    """What the page's fields hold when this form is pasted or dropped: the
    text (a binary file read as Latin-1), and for text forms what a one-line
    <input> keeps (line breaks dropped, or made spaces as Chromium does on a
    paste), a description's first 255 of those, and a code field's value
    (the page drops its spaces too)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"text": raw.decode("latin-1"), "file": raw}
    text_lf = text.replace("\r", "")
    one, spaced = text_lf.replace("\n", ""), text_lf.replace("\n", " ")
    out = {"text": text, "one_line": one, "spaced": spaced, "code": one.replace(" ", "")}
    if name not in LATE:
        out["one_line_255"], out["spaced_255"] = one[:255], spaced[:255]
    return out


@pytest.mark.parametrize("name", private_corpus.NAMES)
def test_every_form_is_named_as_any_field_holds_it(private, name):
    raw = private[name].read_bytes()
    for how, value in field_values(name, raw).items():
        assert private_kind(value) is not None, (name, how)
    if name in LATE:  # cut to 255, nothing private is left: nothing to refuse
        for one in (raw.decode().replace("\n", ""), raw.decode().replace("\n", " ")):
            assert LATE[name] not in one[:255] and LATE[name] in one


def test_the_armoured_body_without_its_framing_is_named(private):
    """What a copy that starts below the BEGIN line holds: armour headers, a
    blank line, the body, the CRC line (=AbCd), maybe the END line; joined
    into one line by an <input> (the CRC then follows the padding)."""
    asc = private["secret.asc"].read_text()
    lines = asc.splitlines()
    body = [ln for ln in lines if not ln.startswith("-----")]
    crc = body[-1]
    assert crc.startswith("=") and len(crc) == 5
    for text in ("\n".join(body), "\n".join(lines[1:]), "".join(body), "".join(lines[1:]),
                 "Comment: made by hand\nVersion: x\n\n" + "\n".join(body).lstrip()):
        found = private_kind(text)
        assert found is not None and found.kind == "openpgp", text[:80]


# --------------------------------------------------------------------------- no false alarms
def _secrets(rng: random.Random):
    """Ordinary secrets of every shape a password or token field gets."""
    alnum = string.ascii_letters + string.digits
    b64 = alnum + "+/"
    b64url = alnum + "-_"
    for n in range(8, 130):
        for _ in range(25):
            yield "".join(rng.choice(alnum) for _ in range(n))
            yield "".join(rng.choice(b64) for _ in range(n)) + "=" * rng.randint(0, 2)
            yield "".join(rng.choice(b64url) for _ in range(n))
    for _ in range(500):
        blob = bytes(rng.getrandbits(8) for _ in range(28))
        yield "API_" + base64.urlsafe_b64encode(blob).decode().rstrip("=")  # 0.16 API key
        yield "app_" + base64.b32encode(blob[:22]).decode().lower().rstrip("=")  # 0.16 app password
        yield base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randint(24, 96)))).decode()
        parts = [base64.urlsafe_b64encode(bytes(rng.getrandbits(8) for _ in range(k))).decode().rstrip("=")
                 for k in (36, 120, 64)]
        yield ".".join(parts)  # a JWT's shape


def test_ordinary_secrets_are_never_called_private():
    """Random passwords and tokens: before the strict check of unframed
    OpenPGP bodies about 1 in 1,300 of those of 32+ characters was named an
    "OpenPGP secret key" and would have been refused at sign-in."""
    rng = random.Random(20260521)
    seen = 0
    for s in _secrets(rng):
        seen += 1
        assert private_kind(s) is None, s
        if seen % 7 == 0:
            assert private_kind("".join(s.split())) is None, s
    assert seen > 9000


def _key_packet(version: int, algo: int, field: bytes, tag: int = 5) -> bytes:
    """A secret-key packet's start (old format, two-octet length): version,
    creation time, algorithm, first public field, then filler."""
    body = bytes([version]) + b"\x5f\x00\x00\x00" + (b"\x00\x00" if version == 3 else b"") + bytes([algo])
    if version in (5, 6):
        body += b"\x00\x00\x01\x00"
    body += field + bytes(range(64))
    return bytes([0x80 | (tag << 2) | 1]) + len(body).to_bytes(2, "big") + body


MPI_2048 = b"\x08\x00\xc1"   # 2048 bits, first octet with its top bit set
CURVE_OID = b"\x09\x2b\x06\x01\x04\x01\xda\x47\x0f\x01"  # Ed25519 (legacy)


@pytest.mark.parametrize("packet, private", [
    (_key_packet(4, 1, MPI_2048), True),
    (_key_packet(4, 1, MPI_2048, tag=7), True),
    (_key_packet(3, 1, MPI_2048), True),
    (_key_packet(4, 22, CURVE_OID), True),
    (_key_packet(4, 27, bytes(32) + b"\x00"), True),
    (_key_packet(6, 27, bytes(32) + b"\xfe"), True),
    (_key_packet(4, 1, b"\x08\x00\x41"), False),         # 2048 bits, but the first octet is 7 bits
    (_key_packet(4, 1, b"\x00\x40\xc1"), False),         # 64 bits: no real key
    (_key_packet(4, 99, MPI_2048), False),               # no such algorithm
    (_key_packet(3, 22, CURVE_OID), False),              # v3 keys are RSA only
    (_key_packet(7, 1, MPI_2048), False),                # no such version
    (_key_packet(4, 22, b"\x09\x55" + CURVE_OID[2:]), False),  # not an OID
    (_key_packet(4, 22, b"\x20" + CURVE_OID[1:]), False),      # an OID of 32 octets
    (_key_packet(4, 27, bytes(32) + b"\x80"), False),    # no such S2K usage
    (_key_packet(4, 1, MPI_2048, tag=6), False),         # a public key
])
def test_an_unframed_body_is_named_only_for_a_well_formed_secret_key_packet(packet, private):
    body = base64.b64encode(packet).decode()
    assert (private_kind(body) is not None) is private, packet[:12].hex()
    # a binary file is read loosely: any secret-key packet with a version counts
    assert (private_kind(packet) is not None) is (packet[3 if packet[0] & 3 == 1 else 2] in (3, 4, 5, 6)
                                                  and packet[0] >> 2 & 15 in (5, 7))


# --------------------------------------------------------------------------- the guard
def test_refuse_names_the_form_and_the_field(private):
    with pytest.raises(InvalidInput) as e:
        refuse(private["ssh_ed25519"].read_text(), "token")
    assert (e.value.key, e.value.field, e.value.params) == (
        "err.input.private_key", "token", {"what": "OpenSSH private key"})
    assert "OpenSSH private key" in e.value.message and "PRIVATE" in e.value.message
    with pytest.raises(InvalidInput) as e:  # a list of entries (allowed IPs)
        refuse(["10.0.0.1", private["jwk_ec.json"].read_text()], "allowed_ips")
    assert e.value.field == "allowed_ips"
    for fine in (None, 42, "", "correct horse battery staple", ["10.0.0.1"], b"\x00\x01"):
        refuse(fine, "x")
