"""What becomes of a sign-in the user started before Python was ready.

``assets/boot.js`` opens the sign-in form at first paint and queues the first
press of a sign-in button (or Enter) without sending anything. Once Python has
read config.json, chosen the server and marked the page ready,
``app/ui/early.py`` (the painter) asks ``decide`` what to do with it. Pure: no ``js``, tested
under CPython (tests/unit/ui/test_view_early.py).

The rule that matters: a queued press never sends a password to a server the
user could not see when they pressed. The host's own list (bound mode), an
address the user typed, or the server this browser last signed in to are
theirs; a server that only a link named (open mode) is shown first, and the
user presses again.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from app import servers
from app.errors import StalwartError


class Verdict(enum.StrEnum):
    NONE = "none"    # nothing was pressed
    RUN = "run"      # run it now, as if it had been pressed now
    DROP = "drop"    # forget it: sign-in is closed (and says so), or the page signed in by itself
    ASK = "ask"      # send nothing: show the server and ask the user to press again


@dataclass(frozen=True)
class Plan:
    verdict: Verdict
    key: str = ""    # ASK: the message key shown under the pressed form


def _origin(raw: Optional[str]) -> Optional[str]:
    try:
        return servers.canonical_origin(raw or "")
    except StalwartError:
        return None


def decide(action: Optional[str], *, usable: bool, bound: bool, resumed: bool,
           typed: Optional[str], server: str, remembered: bool) -> Plan:
    """``action``: what boot.js queued (a form's id, or None). ``usable`` /
    ``bound``: the host's config.json. ``resumed``: the page signed in by itself
    or is finishing a sign-in (an OAuth return, a kept session). ``typed``: the
    server address as the user typed it before Python was ready (None: they did
    not). ``server``: the server the action would use now. ``remembered``: that
    server is the one this browser last signed in to (no link overrode it)."""
    if not action:
        return Plan(Verdict.NONE)
    if not usable or resumed:
        return Plan(Verdict.DROP)
    mine = bool(typed and typed.strip())
    if bound:
        # The host's list decides; an address the user typed for another
        # server must not silently become this one.
        if mine and _origin(typed) != server:
            return Plan(Verdict.ASK, "ui.early.check_bound")
        return Plan(Verdict.RUN)
    if mine or not server or remembered:
        return Plan(Verdict.RUN)  # (no server at all: the action itself asks for one)
    return Plan(Verdict.ASK, "ui.early.check_link")
