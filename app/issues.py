"""One problem found in user input, as a value the UI can show in plain words.

``key`` is a message key in the catalogue (``app.i18n``), ``params`` fill its
placeholders, and ``message`` is the English text, so a log line or a test can
read it without the catalogue. ``Issue.make`` fills ``message`` from the
catalogue so the English wording lives in one place only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Issue:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @classmethod
    def make(cls, key: str, **params: Any) -> "Issue":
        from app.i18n import t  # late import: i18n must not depend on us

        return cls(key, dict(params), t(key, "en", **params))

    def text(self, lang: str | None = None) -> str:
        """The issue in the user's language (English fallback)."""
        from app.i18n import t

        return t(self.key, lang, **self.params)
