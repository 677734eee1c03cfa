"""The recovery kit speaks every language of the page, right to left for Arabic."""
from __future__ import annotations

import datetime as dt

import pytest

from app import i18n, totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
WHEN = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.timezone.utc)


def _kit(lang):
    url = totp.build_url(SECRET, "jdoe@example.com")
    return totp.recovery_kit("jdoe@example.com", "Stalwart", SECRET, url, "https://mail.example.com",
                             lang=lang, now=WHEN)


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_kit_in_each_language(code):
    html = _kit(code)
    assert f'<html lang="{code}" dir="{"rtl" if code == "ar" else "ltr"}">' in html
    cat = i18n.catalogue(code)
    for key in ("totp.kit.heading", "totp.kit.know_title", "totp.kit.how_title"):
        assert cat[key] in html or i18n.t(key, code) in html
    assert i18n.t("totp.kit.created", code, date=WHEN.date()) in html
    # the key and the link stay left to right inside a right-to-left page
    assert '<dd class="key" dir="ltr">' in html and '<p class="url" dir="ltr">' in html


def test_kit_dates_follow_the_language():
    assert "Erstellt am 15.01.2027" in _kit("de")
    assert "Created on Jan 15, 2027" in _kit("en")
    assert "٢٠٢٧" in _kit("ar")


def test_kit_accepts_the_spellings_of_the_account_locale():
    assert '<html lang="pt-BR" dir="ltr">' in _kit("pt_BR")
    assert '<html lang="en" dir="ltr">' in _kit("xx")  # unknown: English, never a crash
