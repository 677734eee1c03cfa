"""Encryption at rest in the page: local verdicts, private keys, upload."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.helpers import ALICE, fits, go, msg, sign_in_basic, summary, user, wait_msg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "keys"))
import keys_corpus  # noqa: E402  (the key tests' corpus, made with gpg/sq/openssl/pgpy)
import private_corpus  # noqa: E402  (private keys in every form, made with the real tools)

SAMPLE = ["ed25519.asc", "rsa3072_sq.asc", "dsa_elg.asc", "brainpool", "expired.asc",
          "expired_subkey.asc", "sign_only.asc", "corrupt_sig.pgp", "keyring.pgp",
          "ed25519.pgp", "cert_ec.pem", "cert_rsa2048.der", "csr.pem", "mixed.txt",
          "garbage.txt", "prose.asc"]


_BUILT: dict[str, dict] = {}  # once per test process, for every module that uses these (read only)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if "public" not in _BUILT:
        _BUILT["public"] = keys_corpus.build(tmp_path_factory.mktemp("e2e-keys"))
    return _BUILT["public"]


@pytest.fixture(scope="module")
def private_keys(corpus, tmp_path_factory):
    if "private" not in _BUILT:
        _BUILT["private"] = private_corpus.build(tmp_path_factory.mktemp("e2e-private"), corpus)
    return _BUILT["private"]


def _pick(corpus, name):
    if name in corpus:
        return Path(corpus[name])
    return next(Path(p) for k, p in corpus.items() if Path(p).name.startswith(name))


def _check_file(page, path: Path) -> bool:
    page.evaluate("() => document.getElementById('enc-report').removeAttribute('data-check-ms')")
    page.set_input_files("#enc-file", str(path))
    page.wait_for_selector("#enc-report[data-check-ms]", state="attached")
    return page.locator("#enc-report .verdict.ok").count() == 1


def test_page_and_cli_give_the_same_verdicts(recorder, corpus):
    files = [_pick(corpus, n) for n in SAMPLE]
    cli = subprocess.run([sys.executable, "-m", "app.keys", "--json", *map(str, files)],
                         cwd=ROOT, capture_output=True, text=True)
    verdicts = {Path(r["file"]).name: r for r in json.loads(cli.stdout)}
    rec = recorder()
    page = rec.open()  # offline use: no sign-in, no server
    assert page.locator("#enc-key").is_enabled()
    assert page.get_by_role("heading", name="Check a public key").is_visible()
    assert not page.locator("#enc-submit").is_visible()  # nothing to upload signed out
    seen = {}
    for f in files:
        seen[f.name] = _check_file(page, f)
        report = page.locator("#enc-report").inner_text()
        cli_says = verdicts[f.name]
        assert seen[f.name] == cli_says["accepted"], (f.name, cli_says, report)
        if cli_says["fingerprints"] and cli_says["accepted"]:
            shown = page.locator("#enc-report .fingerprint code").first.inner_text()
            assert shown.replace(" ", "").replace(":", "") == cli_says["fingerprints"][0], (f.name, shown)
    assert any(seen.values()) and not all(seen.values())
    # every refusal names a reason in words
    assert page.locator("#enc-report li").count() > 0
    assert rec.origins() == {rec.site.origin}  # checked locally, nothing sent


# Forms the page did not recognise before (issue 10), pasted or dropped.
PASTED = ["pgp_lowercase.asc", "pgp_oddcase.asc", "putty_ed25519_v3.ppk", "putty_rsa_v2_enc.ppk",
          "jwk_rsa.json", "jwks_mixed.json", "ssh_ed25519", "pem_lowercase.pem", "p12_base64.txt",
          "gnupg_keyfile.key", "pkcs8_bare_body.txt", "sshcom_rsa.key"]
DROPPED = ["p12_nomac.p12", "openssl_x448.der", "pgp_subkeys.pgp"]


def _fingerprints(data: bytes) -> list[bytes]:
    """Pieces of a key that would show up in any request carrying it (in any encoding we send)."""
    longest = max(data.splitlines(), key=len)
    mid = len(longest) // 2
    pieces = [longest[mid - 16:mid + 16]]
    if b"\0" in data or any(b > 0x7F for b in data[:64]):  # binary: base64 is how it would travel
        import base64
        b64 = base64.b64encode(data)
        pieces.append(b64[len(b64) // 2:len(b64) // 2 + 32])
    return pieces


def _wait_refused(page, action):
    """Reset the message with harmless text, then run action and wait for its refusal."""
    page.fill("#enc-key", "not a key")
    page.wait_for_selector("#enc-check-msg.error", state="detached")
    action()
    page.wait_for_selector("#enc-check-msg.error")


def test_private_key_is_cleared_and_never_sent(app_page, fake, corpus, private_keys):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    go(page, "encryption")
    secret = _pick(corpus, "secret.asc").read_text()
    page.fill("#enc-key", secret)
    assert "private key" in wait_msg(page, "enc-check", "error")
    assert page.input_value("#enc-key") == ""
    assert page.get_attribute("#enc-key", "aria-invalid") == "true"
    assert page.locator("#enc-submit").is_disabled()
    pieces = [secret.splitlines()[3][:40].encode()]  # a line of the key's base64
    for name in PASTED + DROPPED:
        path = private_keys[name]
        if name in PASTED:
            _wait_refused(page, lambda: page.fill("#enc-key", path.read_text()))
        else:
            _wait_refused(page, lambda: page.set_input_files("#enc-file", str(path)))
        assert "private key" in msg(page, "enc-check").lower(), name
        assert page.input_value("#enc-key") == "", name
        assert page.locator("#enc-submit").is_disabled(), name
        page.click("#enc-submit", force=True)  # even a forced click sends nothing
        pieces += _fingerprints(path.read_bytes())
    assert all(len(p) >= 24 for p in pieces)
    for method, url, data in rec.requests:
        for piece in pieces:
            assert piece not in url.encode() and not (data and piece in data), (method, url)


def test_upload_key_and_turn_on_then_off(app_page, fake, gen, corpus):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    go(page, "encryption")
    page.fill("#enc-key", _pick(corpus, "ed25519.asc").read_text())
    page.wait_for_selector("#enc-report .verdict.ok")
    if gen == "0.16":
        # S/MIME-only algorithms cannot be picked for an OpenPGP key
        assert page.locator("#enc-algo option[value=Aes256Gcm]").is_disabled()
    page.select_option("#enc-algo", "Aes128")
    page.click("#enc-submit")
    # first the consequences, then the change
    page.wait_for_selector("#confirm-dialog[open]")
    consequences = page.locator("#confirm-list").inner_text()
    assert "search" in consequences and "loses the private key" in consequences
    fits(page, "encryption consequences")
    assert fake.accounts[me[0]].encryption.get("@type", fake.accounts[me[0]].encryption.get("type")) \
        in ("Disabled", "disabled")  # nothing changed before "yes"
    page.click("#confirm-yes")
    assert "AES-128" in wait_msg(page, "enc")  # the algorithm in words
    enc = fake.accounts[me[0]].encryption
    assert "128" in json.dumps(enc, default=str)
    assert "AES-128" in page.locator("#enc-state").inner_text()
    assert page.locator("#enc-submit").inner_text() == "Replace key…"  # when on: replace
    go(page, "overview")
    status, value = summary(page, "encryption")
    assert status == "on" and "AES-128" in value
    if gen == "0.16":
        # the fingerprint grouped as gpg shows it: ten groups of four, two spaces in the middle
        fp = page.locator("#summary-list .fingerprint code").inner_text()
        assert re.fullmatch(r"([0-9A-F]{4} ){4}[0-9A-F]{4}  ([0-9A-F]{4} ){4}[0-9A-F]{4}", fp), fp
    go(page, "encryption")
    page.click("#enc-disable")
    page.click("#confirm-yes")
    assert "is off" in wait_msg(page, "enc-off")
    go(page, "overview")
    assert summary(page, "encryption") == ("neutral", "off")  # optional: off is no problem


def test_smime_with_gcm_on_016(recorder, fake016, corpus):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    go(page, "encryption")
    assert _check_file(page, _pick(corpus, "cert_rsa2048.der"))
    assert "BEGIN CERTIFICATE" in page.input_value("#enc-key")  # DER shown as the PEM to be sent
    fp = page.locator("#enc-report .fingerprint code").first.inner_text()
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fp), fp  # S/MIME: byte pairs
    page.select_option("#enc-algo", "Aes256Gcm")
    page.click("#enc-submit")
    page.click("#confirm-yes")
    assert "AES-256-GCM" in wait_msg(page, "enc")
    assert "Aes256Gcm" in json.dumps(fake016.accounts[ALICE[0]].encryption, default=str)
    assert "S/MIME, AES-256-GCM" in page.locator("#enc-state").inner_text()
    # the key in use is not offered for deletion, and its row says why
    in_use = page.locator("#enc-keys .key-item.in-use")
    assert in_use.locator("button:has-text('Delete')").count() == 0
    assert "switch to another key or turn encryption off first" in in_use.inner_text()


def test_stored_keys_offer_use_this_key_016(recorder, fake016, corpus):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    go(page, "encryption")
    page.fill("#enc-key", _pick(corpus, "ed25519.asc").read_text())
    page.wait_for_selector("#enc-report .verdict.ok")
    page.click("#enc-submit")
    page.click("#confirm-yes")
    wait_msg(page, "enc")
    first = fake016.accounts[ALICE[0]].encryption["publicKey"]
    # a second key replaces the first ("Replace key…", with what that means)
    page.fill("#enc-key", _pick(corpus, "rsa3072_sq.asc").read_text())
    page.wait_for_selector("#enc-report .verdict.ok")
    page.click("#enc-submit")
    page.wait_for_selector("#confirm-dialog[open]")
    assert "old key" in page.locator("#confirm-list").inner_text()
    page.click("#confirm-yes")
    assert "replaced" in wait_msg(page, "enc")
    assert fake016.accounts[ALICE[0]].encryption["publicKey"] != first
    # the first key is still stored, and can be used again
    assert page.locator("#enc-keys .key-item").count() == 2
    assert page.locator("#enc-keys .key-item.in-use").count() == 1
    page.click("#enc-keys .key-item:not(.in-use) button:has-text('Use this key')")
    page.click("#confirm-yes")
    assert "AES-256" in wait_msg(page, "enc-keys")
    assert fake016.accounts[ALICE[0]].encryption["publicKey"] == first
    fits(page, "stored keys")
