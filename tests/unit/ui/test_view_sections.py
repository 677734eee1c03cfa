"""views.access and views.sections: what each section offers, the line that
says why something is missing, what a change will do (said before it is
made), the strength feedback, the key report and the stored keys."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from app import i18n, passwords
from app.keys.report import CertInfo, KeyInfo, KeyReport
from app.stalwart import state as S
from app.ui.views import access as A
from app.ui.views import sections as V
from app.ui.views.say import Joined, Say
from ui_states import build

ENC_ACTIONS = (S.UPLOAD_AND_ENABLE, S.USE_KEY, S.DISABLE, S.DELETE_KEY)


# ---------------------------------------------------------------- availability
def test_a_limited_sign_in_opening_encryption_at_rest_is_told_why():
    """Issue 17: a limited 0.16 sign-in opened Encryption at rest and the upload
    controls were missing with no line saying why."""
    view = A.availability(build(method=S.BY_APP_PASSWORD, refuse=ENC_ACTIONS), A.ENCRYPTION)
    assert view.usable and not view.offered(S.UPLOAD_AND_ENABLE)
    assert [line.say for line in view.lines] == [
        Say("ui.unavail.not_allowed_signin", {"what": Say("ui.unavail.change_encryption")})]


def test_an_account_without_public_key_create_is_told_why():
    view = A.availability(build(refuse=(S.UPLOAD_AND_ENABLE,)), A.ENCRYPTION)
    assert [line.say.key for line in view.lines] == ["ui.unavail.not_allowed"]
    assert view.lines[0].permissions == ("sysX",)
    assert view.offered(S.USE_KEY) and not view.offered(S.UPLOAD_AND_ENABLE)


def test_every_section_says_why_its_main_action_is_missing():
    everything = (S.CHANGE, S.TURN_ON, S.TURN_OFF, S.REPLACE, S.CREATE, S.REVOKE) + ENC_ACTIONS
    st = build(method=S.BY_APP_PASSWORD, refuse=everything)
    for section in A.SECTIONS:
        view = A.availability(st, section)
        assert view.lines and not view.offers, section
        assert all(line.say.key == "ui.unavail.not_allowed_signin" for line in view.lines), section


def test_nothing_is_explained_when_everything_is_allowed():
    for section in A.SECTIONS:
        view = A.availability(build(), section)
        assert view.usable and view.lines == (), section
    assert A.availability(build(totp=True), A.TWO_FACTOR).offers == {S.REPLACE, S.TURN_OFF}
    assert A.availability(build(totp=False), A.TWO_FACTOR).offers == {S.TURN_ON}


def test_legacy_api_keys_are_not_supported_by_the_server():
    view = A.availability(build(legacy=True), A.API_KEYS)
    assert not view.usable and [line.say.key for line in view.lines] == ["state.not_supported"]


def test_signed_out_only_the_key_check_is_usable():
    assert A.availability(None, A.ENCRYPTION).usable
    assert not A.availability(None, A.PASSWORD).usable


# ---------------------------------------------------------------- the password form
def test_016_password_form_says_what_ends_and_what_keeps_working():
    st = build()
    st.password.change_ends, st.password.change_keeps = (S.OAUTH_SESSIONS,), (S.APP_PASSWORDS, S.API_KEYS)
    form = V.password_form(st)
    assert form.effects == (Say("ui.password.effect_oauth"), Say("ui.password.effect_keeps"))
    assert not form.warn and form.policy


def test_015_password_form_warns_of_the_wipe_without_saying_a_token_sign_in_ends():
    """Issue 17: the 0.15 text said a 2FA user's sign-in ends at once (it does not)."""
    st = build(legacy=True, method=S.BY_OAUTH, totp=True)
    st.password.change_keeps = (S.OAUTH_ACCESS,)
    form = V.password_form(st)
    assert form.effects == (Say("ui.password.legacy_wipe"), Say("ui.out.this_until_token_expires"))
    assert form.warn and form.code_field
    pw = build(legacy=True)
    assert Say("ui.password.warn_wipe_signin") in V.password_form(pw).effects
    assert "two-factor" not in i18n.t("ui.password.warn_wipe_signin", "en")


def test_016_oauth_password_form_says_the_sign_in_ends():
    st = build(method=S.BY_OAUTH)
    st.password.session_after_change = S.ENDED
    assert V.password_form(st).effects[0] == Say("ui.password.warn_ended")


# ---------------------------------------------------------------- strength
def test_legacy_weak_password_advice_is_not_printed_twice():
    """Issue 17: 0.15 weak-password advice printed twice."""
    s = passwords.assess("password", (), "legacy")
    assert s.key == s.advice == "pw.legacy.weak"
    view = V.strength(s)
    assert view.verdict.key == "pw.legacy.weak" and view.advice is None


def test_strength_feedback_is_translated_at_paint_time():
    view = V.strength(passwords.assess("password", (), "0.16"))
    assert isinstance(view.verdict.params["feedback"], Joined)
    assert "common" not in view.verdict.text("de").lower()
    assert view.crack_time == Say("pw.crack_time", {"time": Say("pw.time.instant")})
    assert V.strength(None) is None and V.strength(passwords.assess("", (), "0.16")) is None


def test_personal_advice_is_kept_when_it_says_more_than_the_verdict():
    s = passwords.assess("alice-example-correct-horse", ("alice", "example"), "0.16")
    view = V.strength(s)
    assert (view.advice is None) == (s.advice is None or s.advice == s.key)


# ---------------------------------------------------------------- two-factor words
def test_the_replace_form_does_not_say_turn_on():
    """Issue 17: "Turn on" and "Code from the app" wording in the replace form."""
    words = V.two_factor_setup(build(totp=True), replacing=True, login_page=True)
    assert words.submit == Say("ui.totp.replace_submit") and words.code_label == Say("ui.totp.new_code")
    assert "Turn on" not in words.kit_first.text("en")
    first = V.two_factor_setup(build(totp=False), replacing=False, login_page=True)
    assert first.submit == Say("ui.totp.confirm")


def test_turning_on_with_a_password_sign_in_says_it_ends_the_sign_in_in_the_form():
    st = build()
    st.two_factor.session_after_turn_on = S.ENDED
    assert V.two_factor_setup(st, False, login_page=False).effects == (
        Joined((Say("ui.totp.warn_ended"), Say("ui.totp.on_signin_legacy"))),)
    assert V.two_factor_setup(build(), False, login_page=True).effects == ()


def test_esc_closes_a_secret_only_once_it_was_copied():
    """Issue 17: Esc twice on a never-copied secret closed it."""
    assert V.secret_escape(copied=False) == V.WARN
    assert V.secret_escape(copied=True) == V.CLOSE


# ---------------------------------------------------------------- keys
FPR = "0123456789ABCDEF0123456789ABCDEFFEDCBA98"


def test_a_key_is_labelled_with_the_key_id_gpg_shows():
    """Issue 17: stored keys were labelled with the first 16 hex digits of the fingerprint."""
    rep = KeyReport(accepted=True, kind="openpgp", fingerprints=[FPR])
    assert V.key_label(rep) == "OpenPGP 89ABCDEFFEDCBA98"
    assert V.key_id("0123 4567 89AB CDEF 0123  4567 89AB CDEF FEDC BA98") == "89ABCDEFFEDCBA98"
    smime = KeyReport(accepted=True, kind="smime", fingerprints=["AB" * 32], emails=["a@example.org"])
    assert V.key_label(smime) == "S/MIME a@example.org"


def test_the_key_in_use_offers_no_delete_and_says_why():
    """Issue 17: the key in use offered Delete, asked "Delete the key?", then failed."""
    st = build(enc="pgp", stored_keys=2)
    rows = {r.id: r for r in V.stored_keys(st)}
    assert rows["pk0"].in_use and not rows["pk0"].delete and not rows["pk0"].use
    assert rows["pk0"].note == Say("ui.enc.in_use_no_delete")
    assert rows["pk1"].delete and rows["pk1"].use and rows["pk1"].note is None
    off = V.stored_keys(build(enc="disabled", stored_keys=1))
    assert off[0].delete and not off[0].in_use


def _smime_report() -> KeyReport:
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    return KeyReport(
        accepted=True, kind="smime", fingerprints=["AB" * 32],
        keys=[KeyInfo("AB" * 32, "RSA", bits=2048, primary=True, usable_for_encryption=True)],
        certificates=[CertInfo("CN=Alice", "CN=CA", "01", ["a@example.org"], when, when, [], "AB" * 32)],
        emails=["a@example.org"])


def test_smime_is_described_in_certificate_words_and_bits_are_translated():
    """Issue 17: "S/MIME … Primary key RSA 2048 bit" used OpenPGP words; "2048 bit" stayed English."""
    view = V.key_report(_smime_report())
    first = view.details[0]
    assert isinstance(first, Joined)
    en = _text(first, "en")
    assert "Primary key" not in en and "Certificate key" in en and "2048 bits" in en
    de = _text(first, "de")
    assert "2048 Bit" in de and "bits" not in de


def test_openpgp_keys_keep_their_words():
    rep = KeyReport(accepted=True, kind="openpgp", fingerprints=[FPR],
                    keys=[KeyInfo(FPR, "EdDSA", curve="Ed25519", primary=True),
                          KeyInfo(FPR, "ECDH", curve="Cv25519", usable_for_encryption=True)])
    view = V.key_report(rep)
    assert _text(view.details[0], "en").startswith("Primary key EdDSA Ed25519")
    assert _text(view.details[1], "en").startswith("Subkey ECDH Cv25519")


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_a_key_report_has_no_english_fragment(lang):
    view = V.key_report(_smime_report())
    words = [_text(d, lang) for d in view.details] + [view.verdict.text(lang)]
    for english in ("Certificate", "bits", "Primary", "valid", "encrypts"):
        assert not any(english in w for w in words), (lang, english, words)


def _text(value, lang) -> str:
    from app.ui.views.say import text
    return text(value, lang)


def test_a_refused_report_says_it():
    view = V.key_report(dataclasses.replace(_smime_report(), accepted=False))
    assert view.verdict == Say("ui.enc.refused", {"kind": "S/MIME"}) and not view.ok
