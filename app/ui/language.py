"""The page's language: chosen at start, changed by the switch, following the
account. Which one, and what is saved to the account, is
``app.ui.views.language``'s decision; this module paints it. Browser only.
"""
from __future__ import annotations

import js  # type: ignore[import-not-found]

from app import i18n
from app.ui.views import language as V

LANG_KEY = "stalwart-account-security.lang"  # localStorage: a preference


def picked() -> str | None:
    saved = js.localStorage.getItem(LANG_KEY)
    return i18n.normalize(str(saved)) if saved else None


def browser_languages() -> list[str]:
    try:
        return [str(x) for x in js.navigator.languages.to_py()]
    except Exception:  # an old browser without navigator.languages
        return [str(js.navigator.language or "")]


def translate_page() -> None:
    """The static page in the current language: texts, placeholders, <html lang dir>."""
    doc = js.document
    root = doc.documentElement
    root.lang = i18n.get_language()
    root.dir = i18n.direction()
    for node in doc.querySelectorAll("[data-i18n]"):
        key = str(node.dataset.i18n)
        if i18n.has(key):
            node.textContent = i18n.t(key)
    for node in doc.querySelectorAll("[data-i18n-placeholder]"):
        node.placeholder = i18n.t(str(node.getAttribute("data-i18n-placeholder")))
    doc.title = i18n.t("ui.title")
    doc.getElementById("lang").value = i18n.get_language()


def start() -> None:
    i18n.set_language(V.choose(picked(), None, browser_languages()))
    translate_page()


def switch(lang: str) -> str:
    """The user picked ``lang`` in the switch: remember it and use it."""
    code = i18n.set_language(lang)
    js.localStorage.setItem(LANG_KEY, code)
    translate_page()
    return code


def follow_account(state) -> None:
    """Signed in to an account that chose its language, and the user picked
    none here: use the account's (before the sections draw their texts)."""
    if state is None or picked():
        return
    code = V.choose(None, getattr(state, "locale", None), browser_languages())
    if code != i18n.get_language():
        i18n.set_language(code)
        translate_page()
