"""One problem found in user input (a key, a setup link, an IP list …), as a
value the UI and the CLI show in plain words.

``key`` is a message key in the catalogue (``app.i18n``), ``params`` fill its
placeholders, and ``message`` is the English text, so a log line, the CLI's
JSON or a test can read it without choosing a language. ``Issue.make`` fills
``message`` from the catalogue so the English wording lives in one place only;
``app.i18n.translate(issue, lang)`` gives it in any language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.i18n import t


@dataclass
class Issue:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @classmethod
    def make(cls, key: str, **params: Any) -> "Issue":
        return cls(key, dict(params), t(key, "en", **params))

    def __str__(self) -> str:
        return self.message
