"""Which language the page shows, and what it saves to the account.

* The user's pick in the page's switch wins (remembered in this browser).
* Else the account's own language (``x:AccountSettings.locale``, 0.16), but
  only when the account really chose one: every account that never chose
  holds ``en_US``, the schema's default (docs/stalwart-contract.md §0.1), so
  ``en_US`` never overrides the browser.
* Else the browser's languages, else English.

A pick made while signed in to 0.16 is saved to the account (when it may
change its settings), so it follows the user to other browsers; a regional
variant the account already holds (``de_AT`` for German) is kept.
"""
from __future__ import annotations

from typing import Iterable, Optional

from app import i18n

# What every 0.16 account holds until someone chooses: not a choice.
SERVER_DEFAULT = "en_US"
# The page's languages as the server's locales (when the account holds none of the language)
LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT",
           "pt-BR": "pt_BR", "nl": "nl_NL", "ar": "ar_SA"}


def account_choice(locale: Optional[str]) -> Optional[str]:
    """The page language the account chose, or None (none chosen, or the server's default)."""
    if not locale or str(locale).strip() == SERVER_DEFAULT:
        return None
    return i18n.normalize(locale)


def choose(picked: Optional[str], account_locale: Optional[str],
           browser: Iterable[str] = ()) -> str:
    for candidate in (picked, account_choice(account_locale), *(browser or ())):
        found = i18n.normalize(candidate)
        if found:
            return found
    return i18n.DEFAULT_LANGUAGE


def locale_to_save(lang: str, account_locale: Optional[str], writable: bool) -> Optional[str]:
    """The locale to write to the account after the user picked ``lang`` in the
    page, or None when nothing needs saving (not allowed, or already so)."""
    code = i18n.normalize(lang)
    if not writable or code is None:
        return None
    if account_locale and account_choice(account_locale) == code:
        return None  # already this language (maybe a regional variant: kept)
    if code == "en" and account_locale == SERVER_DEFAULT:
        return None  # what it holds reads as "no choice" anyway
    return LOCALES[code]


__all__ = ["SERVER_DEFAULT", "LOCALES", "account_choice", "choose", "locale_to_save"]
