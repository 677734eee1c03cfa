"""Every language is really translated, not an English copy.

A text may equal the English only where it is the same word in that language;
those are listed here, one by one, so a key added later in English only (or
copied in as a placeholder) fails the test instead of hiding in a percentage.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from app import i18n

MESSAGES_DIR = Path(__file__).resolve().parents[2] / "app" / "messages"
EN = i18n.catalogue("en")

# The same word as in English, checked by reading it in context.
SAME_EVERYWHERE = {"ui.enc.alg.Aes256", "ui.enc.alg.Aes128"}  # algorithm names
SAME_AS_ENGLISH = {
    "de": {"totp.kit.server"},                                   # "Server"
    "fr": {"ui.cred.desc", "ui.cred.actions",                    # "Description", "Actions"
           "pw.time.minute", "pw.time.minutes", "cli.bits",      # "1 minute", "{n} minutes", "{bits} bits"
           "ui.enc.bits"},                                       # "{bits} bits"
    "es": {"cli.bits", "cli.error", "ui.enc.bits"},               # "{bits} bits", "error"
    "pt-BR": {"cli.bits", "ui.enc.bits"},
    "it": {"ui.password.title", "totp.kit.account", "totp.kit.server"},  # "Password", "Account", "Server"
    "nl": {"totp.kit.account", "totp.kit.server", "cli.bits",    # "Account", "Server", "{bits} bits"
           "ui.enc.bits"},
}


@pytest.mark.parametrize("code", [c for c in i18n.LANGUAGES if c != "en"])
def test_language_is_translated(code):
    cat = i18n.catalogue(code)
    allowed = SAME_EVERYWHERE | SAME_AS_ENGLISH.get(code, set())
    same = sorted(k for k in EN if cat.get(k) == EN[k] and k not in allowed)
    assert same == [], f"{code}: still English: {same}"
    path = MESSAGES_DIR / (i18n.module_name(code).rsplit(".", 1)[1] + ".py")
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.strip() != "# TRANSLATION PENDING", f"{path.name} is still marked pending"


def test_the_same_word_list_names_only_real_keys():
    for code, keys in SAME_AS_ENGLISH.items():
        assert code in i18n.LANGUAGES and keys <= set(EN), code
        assert all(i18n.catalogue(code)[k] == EN[k] for k in keys), code  # no stale entries
