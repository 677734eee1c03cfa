"""An error as the page presents it (``ErrorView``): the message in plain
words (and the server's own, apart), the form fields it is about, where focus
goes, which hidden field to reveal, and what the message offers: "Try again"
when sending the same again is safe, "Check the current state" when the page
cannot tell what happened. Decided by the error's type, never its text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.errors import (AnswerLost, AuthRequired, CannotReach, CodeRequired, MfaRequired,
                        OutcomeUnknown, StalwartError, WrongCurrentSecret)
from app.ui.views import messages as M
from app.ui.views.say import Foreign, Host, Joined, Ltr, Say

HOST_PARAMS = ("origin", "server", "page_origin", "target")
LTR_PARAMS = ("setting_016", "setting_legacy", "permission", "permissions")

# How a connection failed (``connection_problem``)
OFFLINE, CSP, CORS, UNREACHABLE = "offline", "csp", "cors", "unreachable"


@dataclass(frozen=True)
class ErrorView:
    message: M.Message
    fields: tuple[str, ...] = ()   # the form fields it is about (marked invalid)
    focus: str = ""                # the field that takes focus ("" : the message itself)
    reveal: tuple[str, ...] = ()   # hidden fields to show (the code row the server asks for)
    sign_in_again: bool = False    # this sign-in has ended: back to the sign-in card, input kept


def _param(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in HOST_PARAMS:
        return Host(value)
    if name in LTR_PARAMS:
        return Ltr(value)
    return Foreign(value, 300)


def error_say(err: Any, strength: Any = None) -> Say:
    """A typed error's sentence. A detail that is itself a problem the page
    found (``err.issue``: an IP address, a setup link) is translated too, and a
    refused new password gets the strength feedback in the page's language
    (``strength``: the ``app.passwords.Strength`` of what was typed)."""
    if not isinstance(err, StalwartError):
        return Say("ui.err.unexpected")
    params = {k: _param(k, v) for k, v in (err.params or {}).items()}
    issue = getattr(err, "issue", None)
    if issue is not None and "detail" in params:
        params["detail"] = Say(issue.key, {k: _param(k, v) for k, v in (issue.params or {}).items()})
    if "feedback" in params and strength is not None and getattr(strength, "key", None) == err.key:
        parts = ([Say(strength.warning_key)] if strength.warning_key else []) + \
                [Say(k) for k in strength.suggestion_keys]
        params["feedback"] = Joined(tuple(parts))
    return Say(err.key, params)


def connection_problem(err: CannotReach, online: bool, csp_blocked: bool = False) -> str:
    """Why no answer came: this browser is offline (nothing was sent), the
    page's own CSP blocked it, the server is up but closed to this page
    (CORS), or it could not be reached at all (down, wrong address, or CORS)."""
    if not online:
        return OFFLINE
    if csp_blocked:
        return CSP
    return CORS if err.cause == "cors" else UNREACHABLE


def offline(signed_in: bool) -> ErrorView:
    """The browser is offline: nothing was sent (the page does not try)."""
    return ErrorView(M.Message(M.ERROR, (Say("ui.offline.nothing_sent"),),
                               offers=(M.RETRY,) if signed_in else ()))


def _cannot_reach(err: CannotReach, signed_in: bool, online: bool, csp_blocked: bool,
                  page_origin: str, csp_listed: bool = False) -> ErrorView:
    kind = connection_problem(err, online, csp_blocked)
    if kind == OFFLINE:
        return offline(signed_in)
    offers = (M.RETRY,) if signed_in else ()
    if kind == CSP:
        # Only the admin can allow a server (config.json and the CSP header); when
        # config.json lists it, the policy's connect-src is what lacks it
        key = "ui.csp.listed_not_allowed" if csp_listed else "ui.csp.blocked"
        return ErrorView(M.Message(M.ERROR, (Say(key, {"origin": Host(err.origin)}),)))
    lines = (error_say(err), Say("ui.cors.page_origin", {"page_origin": Host(page_origin)}))
    return ErrorView(M.Message(M.ERROR, lines, offers=offers))


def present(err: BaseException, *, signed_in: bool, online: bool = True,
            form: tuple[str, ...] = (), code_given: bool = False, csp_blocked: bool = False,
            csp_listed: bool = False, page_origin: str = "", strength: Any = None) -> ErrorView:
    """``form``: the fields of the form that was sent, in the order shown;
    ``code_given``: a two-factor code was sent with it (so a refusal may be
    about the code as much as the password); ``csp_blocked``: the page's own
    CSP blocked the connection, ``csp_listed``: although config.json lists the
    origin (``app.servers.blocked_by_policy``)."""
    if not isinstance(err, StalwartError):
        return ErrorView(M.Message(M.ERROR, (Say("ui.err.unexpected"),)))
    if isinstance(err, CannotReach):
        return _cannot_reach(err, signed_in, online, csp_blocked, page_origin, csp_listed)
    server = err.server_text
    if isinstance(err, AuthRequired):
        if signed_in:  # the credentials stopped working: sign in again, input kept
            return ErrorView(M.Message(M.WARN, (Say("ui.signin.expired_title"), Say("ui.signin.expired")),
                                       server_text=server), sign_in_again=True)
        if err.key == "err.auth_required_account_name":  # 0.11-0.15: the name, not the address
            return ErrorView(M.Message(M.ERROR, (error_say(err),), server_text=server), ("login",), "login")
        if code_given:
            return ErrorView(M.Message(M.ERROR, (Say("ui.signin.wrong_password_or_code"),),
                                       server_text=server),
                             ("password", "code"), "password")
        return ErrorView(M.Message(M.ERROR, (error_say(err),), server_text=server), ("password",),
                         "password")
    if isinstance(err, MfaRequired):
        msg = M.Message(M.ERROR, (error_say(err),), server_text=server)
        if err.generation == "0.16":
            return ErrorView(msg, focus="oauth")  # its sign-in page asks for the code
        return ErrorView(msg, ("code",), "code", reveal=("code",))
    offers: list[str] = []
    if signed_in:
        if isinstance(err, OutcomeUnknown):
            offers.append(M.CHECK)
        elif isinstance(err, AnswerLost) and err.timed_out:
            offers += [M.CHECK, M.RETRY]  # nothing so far; a late answer may still land
        elif err.retryable:
            offers.append(M.RETRY)
    fields: tuple[str, ...] = ()
    reveal: tuple[str, ...] = ()
    if isinstance(err, CodeRequired):
        fields, reveal = ("code",), ("code",)
    elif isinstance(err, WrongCurrentSecret):
        # The server does not say which was wrong: the password, or the code sent with it.
        maybe = ("current_password", "code") if code_given else ("current_password",)
        fields = tuple(f for f in form if f in maybe) or maybe
    else:
        names = [getattr(err, "field", "")] + list(getattr(err, "properties", None) or [])
        fields = tuple(n for n in dict.fromkeys(names) if n and (not form or n in form))[:1]
    msg = M.Message(M.ERROR, (error_say(err, strength),), server_text=server, offers=tuple(offers))
    return ErrorView(msg, fields, fields[0] if fields else "", reveal)


__all__ = ["ErrorView", "present", "error_say", "connection_problem", "offline",
           "OFFLINE", "CSP", "CORS", "UNREACHABLE"]
