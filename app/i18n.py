"""Every user-facing text of the app, in the user's language.

``t(key, lang=None, **params)`` looks ``key`` up in the chosen language, falls
back to English, and falls back to the key itself (so a missing text is
visible, never a crash). ``fill`` is the one placeholder filler of the app:
placeholders are ``{name}``, filled by plain substitution (no ``str.format``:
a parameter can never reach attributes or format specs), and a placeholder
without a value is left as it is.

The texts live as one flat dict per language in ``app/messages/<lang>.py``,
imported on first use of that language only: starting the page costs neither
the catalogues nor the feature modules (this module imports none of them).
"""
from __future__ import annotations

import datetime as _dt
import importlib
import re
from typing import Any, Iterable

DEFAULT_LANGUAGE = "en"
# Each language in its own name, in the order the switch lists them.
LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "pt-BR": "Português (Brasil)",
    "nl": "Nederlands",
    "ar": "العربية",
}
RIGHT_TO_LEFT = frozenset({"ar"})

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_loaded: dict[str, dict[str, str]] = {}
_current = DEFAULT_LANGUAGE


def module_name(lang: str) -> str:
    """``pt-BR`` lives in ``app/messages/pt_BR.py`` (a module name has no dash)."""
    return "app.messages." + lang.replace("-", "_")


def catalogue(lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The ``MESSAGES`` dict of one of ``LANGUAGES``, imported on first use."""
    found = _loaded.get(lang)
    if found is None:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        found = _loaded[lang] = importlib.import_module(module_name(lang)).MESSAGES
    return found


def normalize(lang: str | None) -> str | None:
    """``de-AT``, ``en_US``, ``pt_BR``, ``PT`` … as one of ``LANGUAGES``, else None.

    Portuguese from anywhere gets Brazilian Portuguese: closer than English.
    """
    if not lang:
        return None
    parts = str(lang).strip().replace("_", "-").split("-")
    primary = parts[0].lower()
    if primary == "pt":
        return "pt-BR"
    return primary if primary in LANGUAGES else None


def set_language(lang: str | None) -> str:
    """Use ``lang`` (``de``, ``de-AT``, ``en_GB`` …) from now on; unknown means English."""
    global _current
    _current = normalize(lang) or DEFAULT_LANGUAGE
    return _current


def get_language() -> str:
    return _current


def direction(lang: str | None = None) -> str:
    """``rtl`` for a right-to-left language, else ``ltr`` (for ``<html dir>``)."""
    return "rtl" if (normalize(lang) or _current) in RIGHT_TO_LEFT else "ltr"


def choose(picked: str | None, account_locale: str | None,
           navigator_languages: Iterable[str] | None) -> str:
    """The language to show: the user's pick in the switch wins, then the
    account's own setting (``x:AccountSettings.locale``, e.g. ``en_US``), then
    the first browser language we have, else English."""
    for candidate in (picked, account_locale, *(navigator_languages or ())):
        found = normalize(candidate)
        if found:
            return found
    return DEFAULT_LANGUAGE


def has(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    return key in catalogue(lang)


def fill(template: str, params: dict[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """``template`` with its ``{name}`` placeholders replaced by ``params``.

    Numbers, dates and times among the values are written the way ``lang``
    writes them (``1.048.576``, ``30.11.2026``); everything else as ``str``.
    """
    def sub(m: re.Match) -> str:
        name = m.group(1)
        return format_value(params[name], lang) if name in params else m.group(0)

    return _PLACEHOLDER.sub(sub, template)


# ---------------------------------------------------------------- numbers, dates, times
# Per-language patterns, so the page and the CLI agree and tests need no browser.
# {d}/{dd} day, {mm} two-digit month, {mon} the month's short name (catalogue
# key date.month.N), {y} year; {H}/{HH} 24-hour, {h} 12-hour, {MM} minutes.
_DATE = {"en": "{mon} {d}, {y}", "de": "{dd}.{mm}.{y}", "fr": "{d} {mon} {y}",
         "es": "{d} {mon} {y}", "it": "{d} {mon} {y}", "pt-BR": "{d} de {mon} de {y}",
         "nl": "{d} {mon} {y}", "ar": "{d} {mon} {y}"}
_TIME = {"en": "{h}:{MM} {ampm}"}
_TIME_DEFAULT = "{HH}:{MM}"
_DATE_TIME = {"ar": "{date}، {time}"}
_DATE_TIME_DEFAULT = "{date}, {time}"
# (group separator, decimal separator, digits). Four-digit numbers stay ungrouped
# in every language: the numbers in these texts are key sizes (2048 bits), where
# "2,048" would read oddly next to the "2048" the texts themselves say.
_NUMBERS = {"en": (",", ".", None), "de": (".", ",", None), "fr": ("\u202f", ",", None),
            "es": (".", ",", None), "it": (".", ",", None), "pt-BR": (".", ",", None),
            "nl": (".", ",", None), "ar": ("\u066c", "\u066b", "٠١٢٣٤٥٦٧٨٩")}
_MIN_GROUPED = 5


def _digits(text: str, lang: str) -> str:
    digits = _NUMBERS.get(lang, _NUMBERS["en"])[2]
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def format_number(value: int | float, lang: str | None = None, decimals: int | None = None) -> str:
    """``1234567.5`` as ``1,234,567.5`` (en), ``1.234.567,5`` (de), ``١٬٢٣٤٬٥٦٧٫٥`` (ar);
    ``2048`` as ``2048``."""
    code = normalize(lang) or _current
    group, point, _ = _NUMBERS.get(code, _NUMBERS["en"])
    text = f"{abs(value):.{decimals}f}" if decimals is not None else str(abs(value))
    whole, _, frac = text.partition(".")
    if len(whole) >= _MIN_GROUPED:
        head = len(whole) % 3 or 3
        whole = group.join([whole[:head]] + [whole[i:i + 3] for i in range(head, len(whole), 3)])
    out = ("-" if value < 0 else "") + whole + (point + frac if frac else "")
    return _digits(out, code)


def format_date(value: _dt.date, lang: str | None = None) -> str:
    """A calendar date the way ``lang`` writes it: ``Nov 30, 2026``, ``30.11.2026``."""
    code = normalize(lang) or _current
    parts = {"d": str(value.day), "dd": f"{value.day:02d}", "mm": f"{value.month:02d}",
             "y": str(value.year), "mon": t(f"date.month.{value.month}", code)}
    return _digits(_PLACEHOLDER.sub(lambda m: parts[m.group(1)], _DATE.get(code, _DATE["en"])), code)


def format_time(value: _dt.time | _dt.datetime, lang: str | None = None) -> str:
    code = normalize(lang) or _current
    h12 = value.hour % 12 or 12
    parts = {"H": str(value.hour), "HH": f"{value.hour:02d}", "h": str(h12),
             "MM": f"{value.minute:02d}", "ampm": "AM" if value.hour < 12 else "PM"}
    return _digits(_PLACEHOLDER.sub(lambda m: parts[m.group(1)], _TIME.get(code, _TIME_DEFAULT)), code)


def format_datetime(value: _dt.datetime, lang: str | None = None) -> str:
    """Date and time of ``value`` as it is (convert to the reader's zone first)."""
    code = normalize(lang) or _current
    return fill(_DATE_TIME.get(code, _DATE_TIME_DEFAULT),
                {"date": format_date(value, code), "time": format_time(value, code)})


def format_value(value: Any, lang: str | None = None) -> str:
    """How ``fill`` writes one parameter: numbers and dates for the language."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return format_number(value, lang)
    if isinstance(value, _dt.datetime):
        return format_datetime(value, lang)
    if isinstance(value, _dt.date):
        return format_date(value, lang)
    return str(value)


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (default: the current language)."""
    code = normalize(lang) or _current
    template = catalogue(code).get(key)
    if template is None and code != DEFAULT_LANGUAGE:
        template = catalogue(DEFAULT_LANGUAGE).get(key)
    if template is None:
        return key
    return fill(template, params, code)


def translate(obj: Any, lang: str | None = None) -> str:
    """Any value with ``key`` and ``params`` (an Issue, an error) in ``lang``.

    Falls back to the object's own English ``message`` when the catalogue has
    no entry, so a server's words are never replaced by a bare key.
    """
    key = getattr(obj, "key", None)
    params = getattr(obj, "params", None) or {}
    if key and has(key):
        return t(key, lang, **params)
    return str(getattr(obj, "message", "") or key or obj)
