"""A change whose answer may be lost: send it, and say what is true now.

Every action of ``SecurityAccount`` goes through ``Changes.settle``. When the
answer is lost (time-out, broken connection, cut or unreadable answer, 5xx:
``MAYBE_APPLIED``), or the browser's own resent copy of an applied change is
refused (a browser sends a request again, POST too, when its kept-alive
connection broke before any byte of the answer; seen in Chromium: the copy
meets the changed account), the account checks before it says anything:

* in place: the ``Outcome``, ``confirmed == BY_CHECK``;
* after a lost answer, not in place: ``AnswerLost`` (nothing changed, retry
  is safe); cannot tell, or the check failed too: ``OutcomeUnknown``;
* after a refusal the check does not prove wrong: the refusal stands.

The usual check re-reads the state and asks a predicate the caller passes
("is the change in place?", ``app.stalwart.checks``); a password is checked
by signing in with the new one, a new two-factor key by its current code.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from app.errors import (AnswerLost, AuthRequired, CannotReach, CurrentSecretIncorrect,
                        MfaRequired, OutcomeUnknown, ProtocolError, ServerError, StalwartError,
                        TimedOut, WrongCurrentSecret)
from app.stalwart.connection import Connection
from app.stalwart.driver import Driver, Unread
from app.stalwart.outcomes import BY_ANSWER, BY_CHECK, Outcome
from app.stalwart.state import CONTINUES, ENDED, REPLACED, SecurityState
from app.vocab import Area, SessionEffect

# Errors after which a change may or may not have been applied: the request
# may have reached the server, but its answer did not reach the page intact.
MAYBE_APPLIED = (TimedOut, CannotReach, ProtocolError, ServerError)

# How the resent copy of an applied change is refused: for its old password,
# or for a two-factor code it lacks (or carries for the old key).
RESENT_PASSWORD = (CurrentSecretIncorrect, AuthRequired)
RESENT_TWO_FACTOR = (WrongCurrentSecret, AuthRequired, MfaRequired)

# A check: (is the change in place? None: cannot tell, the state it read if any)
Verdict = tuple[Optional[bool], Optional[SecurityState]]
Check = Callable[[], Awaitable[Verdict]]
InPlace = Callable[[SecurityState], Optional[bool]]


class Changes:
    """The sending half of one ``SecurityAccount``: its driver and connection."""

    def __init__(self, driver: Driver, conn: Connection):
        self.driver = driver
        self.conn = conn

    async def settle(self, action: str, area: Area,
                     send: Callable[[Any], Awaitable[Optional[SecurityState]]],
                     in_place: InPlace = lambda st: None, *, check: Optional[Check] = None,
                     session: SessionEffect = CONTINUES, switch_to: Any = None,
                     resent: tuple[type, ...] = ()) -> Outcome:
        """``send(read_as)`` is the driver's change (``read_as``: see
        ``Driver``). ``session``: what it does to this sign-in; REPLACED
        switches to ``switch_to`` once the change is in place. ``check``
        replaces the usual one, a re-read of ``area`` judged by ``in_place``.
        ``resent``: the refusals the resent copy of this change meets."""
        read_as = None if session == ENDED else (switch_to or self.conn.creds)
        confirmed, lost, st, state_error = BY_ANSWER, None, None, None
        try:
            st = await send(read_as)
        except Unread as u:  # in place; only the read after it failed
            session, state_error = (ENDED, None) if u.ended else (session, u.error)
        except MAYBE_APPLIED + resent as e:
            refused = not isinstance(e, MAYBE_APPLIED)
            st = await self._verdict(area, e, check or self.reread(area, in_place), refused)
            confirmed, lost = BY_CHECK, e
        if session == REPLACED:
            self.conn.switch(switch_to)
        if st is None and state_error is None and session != ENDED:
            try:  # a check proved the change without reading the state
                st = await self.driver.read(area)
            except (AuthRequired, MfaRequired):
                session = ENDED
            except StalwartError as e:
                state_error = e
        return Outcome(action, st, session, switch_to if session == REPLACED else None,
                       confirmed=confirmed, notice="outcome.checked" if lost else None,
                       state_error=state_error, lost=lost)

    async def _verdict(self, area: Area, err: StalwartError, check: Check,
                       refused: bool) -> Optional[SecurityState]:
        try:
            done, st = await check()
        except StalwartError as e:
            if refused:
                raise err from None
            if isinstance(e, (AuthRequired, MfaRequired)):
                raise
            raise OutcomeUnknown(area, err, e) from None
        if done is True:
            return st
        if refused:
            raise err from None
        if done is None:
            raise OutcomeUnknown(area, err) from None
        raise AnswerLost(err, st if st is not None else await self.quiet_read(area)) from None

    def reread(self, area: Area, in_place: InPlace, creds: Any = None,
               if_code_wanted: Optional[bool] = None) -> Check:
        """The usual check: read ``area`` again (as ``creds``) and ask
        ``in_place``. ``if_code_wanted``: the verdict when that read is refused
        for want of a two-factor code (402)."""
        async def check() -> Verdict:
            try:
                st = await self.driver.read(area, creds)
            except MfaRequired:
                if if_code_wanted is None:
                    raise
                return if_code_wanted, None
            return in_place(st), st
        return check

    async def quiet_read(self, area: Area) -> Optional[SecurityState]:
        try:
            return await self.driver.read(area)
        except StalwartError:
            return None


async def cannot_tell() -> Verdict:
    """The check where nothing can be read (the credential in use was revoked)."""
    return None, None


__all__ = ["Changes", "MAYBE_APPLIED", "RESENT_PASSWORD", "RESENT_TWO_FACTOR", "Verdict",
           "cannot_tell"]
