"""app.ui.text: what the page does to strings it did not write, before showing them."""
import re
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ui import text

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


def test_strip_bidi_removes_every_direction_control():
    assert text.strip_bidi("invoice\u202egnp.exe") == "invoicegnp.exe"
    for c in text.BIDI_CONTROLS:
        assert text.strip_bidi(f"a{c}b") == "ab"
    assert text.strip_bidi("שלום world") == "שלום world"  # right-to-left letters stay


@given(st.text())
def test_strip_bidi_leaves_no_control_and_nothing_else_changes(s):
    out = text.strip_bidi(s)
    assert not set(out) & set(text.BIDI_CONTROLS)
    assert out == "".join(c for c in s if c not in text.BIDI_CONTROLS)


def test_isolate_wraps_in_first_strong_isolate_and_cuts():
    assert text.isolate("a\u202eb") == "\u2068ab\u2069"
    long = text.isolate("x" * 500, 50)
    assert len(long) == 52 and long.endswith("…\u2069")


@given(st.text(), st.integers(min_value=1, max_value=400))
def test_isolate_is_always_balanced_and_bounded(s, limit):
    out = text.isolate(s, limit)
    assert out[0] == text.FSI and out[-1] == text.PDI
    inner = out[1:-1]
    assert len(inner) <= limit and not set(inner) & set(text.BIDI_CONTROLS)


def test_look_alike_host_is_shown_in_ascii():
    assert text.ascii_origin("https://mail.ex\u0430mple.com") == "https://mail.xn--exmple-4nf.com"
    assert text.ascii_origin("https://bücher.example:8443") == "https://xn--bcher-kva.example:8443"
    assert text.ascii_origin("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert text.ascii_origin("https://[2001:db8::1]:443") == "https://[2001:db8::1]:443"
    assert text.ascii_host("mail.example.com") == "mail.example.com"
    assert text.ascii_host("\u202eexample.com") == "example.com"


def test_ascii_host_agrees_with_python_idna_and_never_returns_unicode():
    assert text.ascii_host("bücher.de") == "bücher.de".encode("idna").decode()
    # a label IDNA 2003 refuses (too long) is still shown as ASCII, not as Unicode
    weird = "ü" * 70 + ".example"
    assert text.ascii_host(weird).isascii() and text.ascii_host(weird).startswith("xn--")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_ascii_host_is_always_ascii(label):
    assert text.ascii_host(label.replace(".", "") + ".example").isascii()


def test_algorithms_in_words():
    assert text.algorithm_name("Aes256") == "AES-256"
    assert text.algorithm_name("Aes128") == "AES-128"
    assert text.algorithm_name("Aes256Gcm") == "AES-256-GCM"
    assert text.algorithm_name("ChaCha20Poly1305") == "ChaCha20-Poly1305"
    assert text.algorithm_name("Future9") == "Future9" and text.algorithm_name(None) == ""


def test_openpgp_fingerprint_grouped_exactly_as_gpg_prints_it(tmp_path):
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    run = dict(capture_output=True, text=True, check=True)
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--passphrase", "", "--quick-gen-key",
                    "Fp Test <fp@example.com>", "ed25519", "default", "never"], **run)
    out = subprocess.run(["gpg", "--homedir", str(home), "--fingerprint", "fp@example.com"], **run).stdout
    gpg_line = next(line.strip() for line in out.splitlines()
                    if re.fullmatch(r"\s*([0-9A-F]{4} ){4}[0-9A-F]{4}  ([0-9A-F]{4} ){4}[0-9A-F]{4}\s*", line))
    assert text.fingerprint(gpg_line.replace(" ", "")) == gpg_line
    assert text.fingerprint(gpg_line.replace(" ", "").lower()) == gpg_line


def test_smime_fingerprint_as_colon_separated_bytes():
    fp = "AB" * 32
    assert text.fingerprint(fp, "smime") == ":".join(["AB"] * 32)
    assert text.fingerprint("", "smime") == "" and text.fingerprint("") == ""


@pytest.mark.parametrize("n", [40, 64])
def test_long_openpgp_fingerprints_split_in_the_middle(n):
    out = text.fingerprint("A" * n)
    left, right = out.split("  ")
    assert left.replace(" ", "") + right.replace(" ", "") == "A" * n
    assert all(len(g) == 4 for g in (left + " " + right).split(" "))
