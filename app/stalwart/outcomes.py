"""What an action did: ``Outcome`` (and ``HalfDone`` for upload-and-enable).

An action either returns an ``Outcome`` (the change is in place, said by the
server or checked by the page) or raises a typed error from ``app.errors``
(nothing changed, or the page cannot tell: ``OutcomeUnknown``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from app.stalwart.models import Created
from app.stalwart.state import CONTINUES, SecurityState
from app.vocab import Confirmed, SessionEffect, WayIn, Wiped

# Outcome.confirmed
BY_ANSWER = Confirmed.BY_ANSWER  # the server's answer said so
BY_CHECK = Confirmed.BY_CHECK    # the answer was lost; the page checked the account and found it done


@dataclass
class HalfDone:
    """Upload-and-enable stopped half way: the key ``key_id`` is stored on the
    server but encryption at rest does not use it. ``reason`` is the typed
    error that stopped the second half. Offer
    ``SecurityAccount.finish_or_remove_uploaded_key(key_id, finish=True|False)``."""
    key_id: str
    reason: Any = None  # app.errors.StalwartError


@dataclass
class Outcome:
    """The result of one action.

    * ``state``: the fresh ``SecurityState`` read with (0.16: in the same
      request as) the change. None only when the change ended the session
      before anything could be read (then ``session`` is ENDED), or when the
      re-read after a change the server confirmed failed (``state_error``).
    * ``session``: CONTINUES, REPLACED (the account switched to
      ``credentials``, which the UI may persist) or ENDED (sign in again;
      ``notice`` says how).
    * ``created``: a new app password / API key with its secret, shown once.
    * ``item``: the object the action created or touched when known (e.g. the
      app password whose secret was lost, the uploaded ``PublicKey``).
    * ``confirmed``: BY_ANSWER, or BY_CHECK when the answer was lost (or
      the browser's resent copy was refused) and the page found the change
      in place by checking; ``lost`` is then the error that lost the answer
      (or the resent copy's refusal).
    * ``wiped``: what the change removed besides (``Wiped``: app passwords,
      two-factor), legacy password changes.
    * ``notice`` / ``params``: a message key the user must read (why the
      secret is not shown, "sign in again with your new password", the
      half-done upload, …), None when the plain success text is all.
    * ``half_done``: upload-and-enable stopped half way (see ``HalfDone``).
    * ``unseen``: app passwords / API keys this action made whose secret was
      never shown (revoke them).
    * ``ends`` / ``keeps``: the other ways into the account this change ended,
      and those that keep working (``app.vocab.WayIn``), for this server and
      how the user signed in: a password change (from
      ``PasswordFeature.change_ends`` / ``change_keeps``, with what a 0.11–0.15
      server did remove, ``wiped``), a two-factor change (turning on ends
      PASSWORD, moving to a new app OLD_AUTHENTICATOR), a revoke (CREDENTIAL).
    * ``session_until``: this sign-in keeps working until then (epoch
      seconds), and then must sign in again: the change refused its renewal
      (a 0.11–0.15 OAuth sign-in after a password change). None otherwise.
    """
    action: str
    state: Optional[SecurityState]
    session: SessionEffect = CONTINUES
    credentials: Any = field(default=None, repr=False)
    created: Optional[Created] = None
    item: Any = None
    confirmed: Confirmed = BY_ANSWER
    wiped: tuple[Wiped, ...] = ()
    notice: Optional[str] = None
    params: dict = field(default_factory=dict)
    half_done: Optional[HalfDone] = None
    state_error: Any = None
    # ids of app passwords / API keys this action made whose secret was never shown
    unseen: tuple[str, ...] = ()
    lost: Any = None  # app.errors.StalwartError, when confirmed BY_CHECK
    ends: tuple[WayIn, ...] = ()
    keeps: tuple[WayIn, ...] = ()
    session_until: Optional[float] = None


__all__ = ["Outcome", "HalfDone", "BY_ANSWER", "BY_CHECK"]
