"""views.language: which language the page shows, and what it saves."""
from __future__ import annotations

from app.ui.views import language as L


def test_a_german_browser_is_not_overruled_by_the_servers_default():
    """Issue 17: a German browser got English right after sign-in, because 0.16
    reports en_US for every account that never chose a language."""
    assert L.choose(None, "en_US", ["de-DE", "en"]) == "de"
    assert L.account_choice("en_US") is None and L.account_choice(None) is None


def test_a_language_the_account_chose_follows_the_user():
    assert L.choose(None, "pt_BR", ["de-DE"]) == "pt-BR"
    assert L.choose(None, "de_AT", ["en-US"]) == "de"
    assert L.choose(None, "xx_YY", ["fr-CA"]) == "fr"  # one this page does not speak: the browser's


def test_the_pick_in_the_page_wins_over_everything():
    assert L.choose("nl", "pt_BR", ["de-DE"]) == "nl"
    assert L.choose(None, None, []) == "en"


def test_a_pick_is_saved_only_when_the_account_may_and_it_changes_something():
    assert L.locale_to_save("de", "en_US", writable=True) == "de_DE"
    assert L.locale_to_save("ar", "de_DE", writable=True) == "ar_SA"
    assert L.locale_to_save("pt-BR", None, writable=True) == "pt_BR"
    assert L.locale_to_save("de", "en_US", writable=False) is None      # not allowed (or 0.11-0.15)
    assert L.locale_to_save("de", "de_AT", writable=True) is None       # its regional variant is kept
    assert L.locale_to_save("en", "en_US", writable=True) is None       # nothing would change
    assert L.locale_to_save("en", "fr_FR", writable=True) == "en_US"    # (reads as "no choice" then)


def test_every_page_language_has_a_locale_the_server_knows():
    from app import i18n
    assert set(L.LOCALES) == set(i18n.LANGUAGES)
    for code, locale in L.LOCALES.items():
        assert i18n.normalize(locale) == code
