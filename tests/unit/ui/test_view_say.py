"""views.say: sentences kept as keys until painted, and the values inside them."""
from __future__ import annotations

from app import i18n
from app.ui.views import say as V
from app.ui.views.say import Foreign, Host, Joined, Ltr, Say, When


def test_a_sentence_is_translated_when_it_is_read_not_when_it_is_made():
    s = Say("ui.totp.now_on")
    assert s.text("en") == "Two-factor authentication is on."
    assert s.text("de") == i18n.t("ui.totp.now_on", "de") != s.text("en")


def test_nested_sentences_follow_the_language_too():
    s = Say("ui.unavail.not_allowed", {"what": Say("ui.unavail.password")})
    assert i18n.t("ui.unavail.password", "fr") in s.text("fr")
    assert list(s.keys()) == ["ui.unavail.not_allowed", "ui.unavail.password"]


def test_parameter_kinds():
    assert V.text(Foreign("a\u202eb", 10)) == "\u2068ab\u2069"
    assert V.text(Host("https://mail.ex\u0430mple.com")) == "https://mail.xn--exmple-4nf.com"
    assert V.text(Ltr("x:Http.usePermissiveCors")) == V.LRI + "x:Http.usePermissiveCors" + V.PDI
    assert V.text(Joined((Say("ui.enc.primary"), "RSA", "", Say("ui.enc.bits", {"bits": 2048})))) == \
        "Primary key RSA 2048 bits"
    assert V.text(Joined(("a", "b"), ", ")) == "a, b"


def test_a_server_timestamp_is_the_readers_local_date():
    try:
        V.set_zone_offset(120)
        assert V.text(When("2026-03-01T23:30:00Z"), "en") == "Mar 2, 2026"
        assert V.text(When("2026-03-01T23:30:00Z", with_time=True), "de") == "02.03.2026, 01:30"
        V.set_zone_offset(-300)
        assert V.text(When("2026-03-01T03:30:00Z"), "en") == "Feb 28, 2026"
    finally:
        V.set_zone_offset(0)
    assert V.text(When("not a date")) == "not a date"


def test_commands_in_a_sentence_are_code_that_reads_left_to_right():
    """Issue 17: the gpg fix command was scrambled in right-to-left text."""
    ar = i18n.t("keys.pgp_no_encryption_key", "ar")
    parts = V.segments(ar)
    assert ("code", "gpg --quick-add-key FINGERPRINT cv25519 encr") in parts
    assert V.plain(ar).count(V.LRI) == 1 and "`" not in V.plain(ar)
    assert V.segments("no command") == [("text", "no command")]


def test_every_catalogued_command_is_whole_in_every_language():
    for code in i18n.LANGUAGES:
        for key, text in i18n.catalogue(code).items():
            if text.count("`") % 2:
                raise AssertionError(f"{code} {key}: an unclosed command")
            for kind, part in V.segments(text):
                if kind == "code":
                    assert part == part.strip() and part, (code, key)
