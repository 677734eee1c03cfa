"""check_key is total: whatever comes in, a report comes out (and never 'internal')."""
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.keys import KeyReport, armor, check_key

SAMPLES = Path(__file__).resolve().parents[3] / "bench" / "samples"
ED_ASC = (SAMPLES / "ed25519.asc").read_text()
RSA_ASC = (SAMPLES / "rsa4096.asc").read_text()
CERT_PEM = (SAMPLES / "rsa2048-cert.pem").read_text()
ED_BIN = armor.dearmor_pgp(armor.scan(ED_ASC).blocks[0])[0]
CERT_DER = armor.decode_pem(armor.scan(CERT_PEM).blocks[0])

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def total(data) -> KeyReport:
    rep = check_key(data)
    assert isinstance(rep, KeyReport)
    assert "keys.internal" not in rep.error_keys(), rep.errors
    assert rep.accepted == (not rep.errors and rep.kind is not None)
    if not rep.accepted:
        assert rep.normalized is None
    return rep


@st.composite
def mutated(draw, seed):
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[pos:]
        elif op == "dup" and data:
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes(data):
    total(data)


@FUZZ
@given(st.text(max_size=512))
def test_random_text(text):
    total(text)


@FUZZ
@given(mutated(ED_BIN))
def test_mutated_binary_key(data):
    total(data)


@FUZZ
@given(mutated(ED_ASC.encode()))
def test_mutated_armored_key(data):
    total(data)


@FUZZ
@given(mutated(RSA_ASC.encode()))
def test_mutated_rsa_key(data):
    total(data)


@FUZZ
@given(mutated(CERT_PEM.encode()))
def test_mutated_pem(data):
    total(data)


@FUZZ
@given(mutated(CERT_DER))
def test_mutated_der(data):
    total(data)


@FUZZ
@given(st.lists(st.sampled_from(["-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----END PGP PUBLIC KEY BLOCK-----",
                                 "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", "", "Version: x",
                                 "=AAAA", "mQINBF", "MIIB", "-----BEGIN X-----", "hello"]), max_size=12))
def test_block_soup(lines):
    total("\n".join(lines))


@FUZZ
@given(mutated(ED_BIN))
def test_mutated_binary_rearmored(data):
    total(armor.armor_pgp(data))


def test_deep_and_large_inputs():
    # many tiny packets: bounded, refused cleanly
    assert total(ED_BIN[:200] + b"\xcd\x00" * 30000).accepted is False
    # partial lengths are illegal in key packets
    assert total(b"\xc6\xe9" + b"\x00" * 512).error_keys() == ["keys.pgp_corrupt"]
    # a 1 MiB + 1 input
    assert total(b"\x99" + b"\x00" * (1 << 20)).error_keys() == ["keys.too_large"]


def test_signature_flood_is_bounded(monkeypatch):
    """Thousands of well-formed self-signatures must not cost thousands of
    signature checks (the slow part, ~3 ms each): the work is counted, not timed."""
    from app.keys import openpgp
    pkts = openpgp.parse_packets(ED_BIN)
    uid_sig = next(p for p in pkts if p.tag == 2)
    sig = openpgp.parse_sig(uid_sig.body)
    assert sig.created is not None
    # same hashed area, claimed by the primary, left16 intact, bogus Ed25519 value
    bogus = uid_sig.raw[:-10] + bytes(10)
    flood = pkts[0].raw + pkts[1].raw + bogus * 3000
    real_verify, calls = openpgp.verify, []

    def counted(*args):
        calls.append(1)
        return real_verify(*args)

    monkeypatch.setattr(openpgp, "verify", counted)
    rep = total(flood)
    assert not rep.accepted and "keys.pgp_too_complex" in rep.error_keys()
    assert 0 < len(calls) <= openpgp.MAX_VERIFICATIONS
