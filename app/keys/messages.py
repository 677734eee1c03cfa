"""Message ids and English templates for every verdict the key checks give.

The UI translates ``Issue.key`` through the shared catalogue; ``MESSAGES`` is the
source a teammate copies from. Templates use ``str.format`` fields that match
``Issue.params``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app.messages.en import MESSAGES  # the English texts live in the catalogue


@dataclass
class Issue:
    """One finding: a stable message id, its parameters and the English text."""

    key: str
    params: dict = field(default_factory=dict)
    message: str = ""

    def __str__(self) -> str:  # what the CLI prints
        return self.message


def issue(key: str, **params) -> Issue:
    template = MESSAGES[key]
    try:
        text = template.format(**params)
    except (KeyError, IndexError, ValueError):
        text = template
    return Issue(key=key, params=params, message=text)
