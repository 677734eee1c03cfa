"""The one message catalogue for every user-facing text in the page.

``t(key, lang=None, **params)`` looks ``key`` up in the chosen language, falls
back to English, and falls back to the key itself (so a missing text is
visible, never a crash). Placeholders are ``{name}``; they are filled by plain
substitution (no ``str.format``: a parameter can never reach attributes or
format specs), and a placeholder without a value is left as it is.

The texts live as plain dicts in ``app/messages/<lang>.py``.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from app.messages import de as _de
from app.messages import en as _en

LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
CATALOGUES: dict[str, dict[str, str]] = {"en": _en.MESSAGES, "de": _de.MESSAGES}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_current = DEFAULT_LANGUAGE


def _normalize(lang: str | None) -> str | None:
    if not lang:
        return None
    primary = str(lang).strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def set_language(lang: str | None) -> str:
    """Use ``lang`` (``de``, ``de-AT``, ``en_GB`` …) from now on; unknown means English."""
    global _current
    _current = _normalize(lang) or DEFAULT_LANGUAGE
    return _current


def get_language() -> str:
    return _current


def pick_language(navigator_languages: Iterable[str] | None) -> str:
    """The first of the browser's preferred languages that we have, else English."""
    for lang in navigator_languages or ():
        found = _normalize(lang)
        if found:
            return found
    return DEFAULT_LANGUAGE


def has(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    return key in CATALOGUES.get(lang, {})


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def fill(template: str, params: dict[str, Any]) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1)
        return str(params[name]) if name in params else m.group(0)

    return _PLACEHOLDER.sub(sub, template)


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (default: the current language)."""
    code = _normalize(lang) or _current
    template = CATALOGUES[code].get(key)
    if template is None:
        template = CATALOGUES[DEFAULT_LANGUAGE].get(key)
    if template is None:
        return key
    return fill(template, params)


def translate(obj: Any, lang: str | None = None) -> str:
    """Any value with ``key`` and ``params`` (an Issue, an error) in ``lang``.

    Falls back to the object's own English ``message`` when the catalogue has
    no entry, so a server's words are never replaced by a bare key.
    """
    key = getattr(obj, "key", None)
    params = getattr(obj, "params", None) or {}
    if key and (has(key) or has(key, _normalize(lang) or _current)):
        return t(key, lang, **params)
    return str(getattr(obj, "message", "") or key or obj)
