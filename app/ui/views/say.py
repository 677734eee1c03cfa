"""``Say``: a sentence the page will show, kept as a message key and its
parameters until it is painted, so the painter translates it in the language
of the moment and a language switch can paint it again.

A parameter is one of:

* ``Say``: a nested sentence (``what=Say("ui.unavail.password")``), translated
  in the same language;
* ``Foreign(text)``: a value the page did not write (a description, a user
  name, a server's words): direction controls removed, cut, and isolated so
  its direction neither leaks into nor takes over the sentence;
* ``Host(origin)``: a server address, shown as the ASCII the browser connects to;
* ``Ltr(text)``: technical text that reads left to right in every language
  (a command, a setting name, a link): isolated left-to-right;
* ``Joined(parts)``: several of these read as one value, separated by spaces;
* ``When(iso)``: a server's timestamp, as the reader's local date (and time);
* a number or a date, written the way the language writes them;
* any other ``str``: used as it is (an algorithm name, a permission id).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Optional

from app import i18n
from app.ui import text as txt

LRI, PDI = "\u2066", "\u2069"  # left-to-right isolate … pop directional isolate


@dataclass(frozen=True)
class Foreign:
    """A value from the server or the user, shown inside one of our sentences."""
    value: str
    limit: int = 120


@dataclass(frozen=True)
class Host:
    """A server's origin (``https://mail.example.com``), shown in ASCII."""
    origin: str


@dataclass(frozen=True)
class Ltr:
    """Text that is read left to right in every language (a command, a URL)."""
    value: str


@dataclass(frozen=True)
class Joined:
    """Several values read as one (a warning and its suggestions; the words
    describing a key), empty ones left out."""
    parts: tuple = ()
    sep: str = " "


@dataclass(frozen=True)
class When:
    """A server timestamp (ISO 8601), shown as the reader's local date (and
    time), the way the page's language writes dates."""
    value: str
    with_time: bool = False


# The reader's time zone, as minutes east of UTC: Python in the page runs in
# UTC, so the painter sets it from the browser (``set_zone_offset``).
_zone = [0]


def set_zone_offset(minutes_east: int) -> None:
    _zone[0] = int(minutes_east)


def local_time(value: str):
    """An ISO 8601 timestamp as an aware datetime in the reader's zone, or None."""
    import datetime
    s = str(value or "").strip()
    if not s:
        return None
    try:
        d = datetime.datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "Zz" else s)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.astimezone(datetime.timezone(datetime.timedelta(minutes=_zone[0])))


@dataclass(frozen=True)
class Say:
    """One sentence: a message key and its parameters (see the module doc)."""
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, **params: Any) -> "Say":
        return cls(key, params)

    def text(self, lang: Optional[str] = None) -> str:
        """The sentence in ``lang`` (default: the page's language now)."""
        return i18n.t(self.key, lang, **{k: _param(v, lang) for k, v in self.params.items()})

    def keys(self) -> Iterator[str]:
        """Its key and those of the sentences nested in it (tests, catalogue checks)."""
        yield self.key
        for v in self.params.values():
            for p in (v.parts if isinstance(v, Joined) else (v,)):
                if isinstance(p, Say):
                    yield from p.keys()


def _param(value: Any, lang: Optional[str]) -> Any:
    if isinstance(value, Say):
        return value.text(lang)
    if isinstance(value, Foreign):
        return txt.isolate(value.value, value.limit)
    if isinstance(value, Host):
        return txt.ascii_origin(value.origin)
    if isinstance(value, Ltr):
        return LRI + txt.strip_bidi(value.value) + PDI
    if isinstance(value, Joined):
        return value.sep.join(x for x in (str(_param(p, lang)) for p in value.parts) if x)
    if isinstance(value, When):
        d = local_time(value.value)
        if d is None:
            return i18n.t("ui.never", lang) if not value.value else str(value.value)
        return i18n.format_datetime(d, lang) if value.with_time else i18n.format_date(d, lang)
    return value


def text(say: Any, lang: Optional[str] = None) -> str:
    """A ``Say`` translated (or any parameter kind, as it reads); None as ""."""
    if say is None:
        return ""
    return say.text(lang) if isinstance(say, Say) else str(_param(say, lang))


def join(says, lang: Optional[str] = None) -> str:
    """Several sentences as one paragraph (the status line, a title and its text)."""
    return " ".join(t for t in (text(s, lang) for s in says) if t)


# A command or a file name inside a translated sentence is written between
# backticks (the catalogue's rule); it must read left to right in every
# language, and is shown as code.
_TICKS = re.compile(r"`([^`\n]+)`")


def segments(sentence: str) -> list[tuple[str, str]]:
    """``"Export it (`gpg --export`)."`` -> ``[("text", "Export it ("), ("code",
    "gpg --export"), ("text", ").")]``: the painter shows each ``code`` part as
    left-to-right code, so a right-to-left page cannot reorder a command."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TICKS.finditer(sentence):
        if m.start() > pos:
            out.append(("text", sentence[pos:m.start()]))
        out.append(("code", m.group(1)))
        pos = m.end()
    if pos < len(sentence):
        out.append(("text", sentence[pos:]))
    return out


def plain(sentence: str) -> str:
    """A sentence with its commands isolated left to right, for places that
    take only text (a dialog line, the status line, a downloaded file)."""
    return "".join(LRI + s + PDI if kind == "code" else s for kind, s in segments(sentence))


__all__ = ["Say", "Foreign", "Host", "Ltr", "Joined", "When", "set_zone_offset", "local_time", "text", "join", "segments", "plain", "LRI", "PDI"]
