"""Typed errors for everything the client can run into.

Every error is a ``StalwartError`` carrying a stable message id (``key``),
the parameters for that message (``params``), plain English (``message``:
what happened and what to do next) and, when the server said something, the
server's own words (``server_text``, shown verbatim, never translated).

Nothing secret ever goes into an error: parameters hold origins, property
names, counts and error types, never passwords, codes, tokens or secrets.
The English templates live in ``app/messages/en.py`` with every other text;
the UI's catalogue translates by key.
"""
from __future__ import annotations

from typing import Any, Optional

from app.i18n import t
from app.vocab import Area, Generation

CORS_SETTING_016 = "x:Http.usePermissiveCors"
CORS_SETTING_LEGACY = "http.permissive-cors"


class StalwartError(Exception):
    """Base of every error this client raises for the UI.

    Besides ``key``/``params``/``message``/``server_text``, every error has:

    * ``field``: the form field it is about ("" when none; see
      ``app.stalwart.FIELDS``), so the UI can set ``aria-invalid`` and focus;
    * ``retryable``: trying the same action again is safe and may work;
    * ``state``: the account's fresh ``SecurityState`` when the failed action
      read it anyway (0.16 sends the re-read with the change), else None.
    """

    key: str = "err.protocol"
    field: str = ""
    retryable: bool = False
    state: Any = None

    def __init__(self, key: Optional[str] = None, params: Optional[dict] = None, *,
                 server_text: Optional[str] = None, properties: Optional[list] = None,
                 status: Optional[int] = None):
        self.key = key or type(self).key
        self.params: dict[str, Any] = dict(params or {})
        self.server_text = server_text or None
        self.properties: list[str] = [str(p) for p in (properties or [])]
        self.status = status
        self.message = t(self.key, "en", **self.params)
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


# ----- transport / HTTP -------------------------------------------------------------
class CannotReach(StalwartError):
    """No HTTP answer at all: down, wrong address, or (most often) CORS not enabled."""
    key = "err.cannot_reach"
    retryable = True

    def __init__(self, origin: str, detail: str = "", cause: str = "unknown"):
        # cause "cors": the server answered a CORS-open endpoint, so it is up and
        # only the JMAP/API endpoints are closed to this page's origin.
        super().__init__("err.cannot_reach_cors" if cause == "cors" else "err.cannot_reach",
                         {"origin": origin, "setting_016": CORS_SETTING_016,
                          "setting_legacy": CORS_SETTING_LEGACY})
        self.origin = origin
        self.cause = cause
        self.detail = detail


class Redirected(StalwartError):
    """The server answered with a redirect, which the page does not follow: a
    browser would send the request on, a POST's body (the password in it)
    included. ``status`` is the 3xx when known (the browser hides it: None,
    shown as "3xx"); ``target`` the origin it pointed to, when known (never in
    the browser). Not ``retryable``: the same request meets the same redirect."""
    key = "err.redirected"

    def __init__(self, origin: str, status: Optional[int] = None, target: Optional[str] = None):
        params = {"origin": origin, "status": str(status) if status else "3xx"}
        if target:
            params["target"] = target
        super().__init__("err.redirected_to" if target else "err.redirected", params, status=status)
        self.origin = origin
        self.target = target


class AuthRequired(StalwartError):
    """401: ask again for credentials (the UI keeps what the user typed)."""
    key = "err.auth_required"


class AccountNameRefused(AuthRequired):
    """401 for ``alice@example.com`` on 0.11-0.15, which sign in by account
    (principal) name: ``name`` is the address's local part to try instead."""
    key = "err.auth_required_account_name"

    def __init__(self, name: str, server_text: Optional[str] = None, status: Optional[int] = 401):
        super().__init__(params={"name": name}, server_text=server_text, status=status)
        self.name = name


class MfaRequired(StalwartError):
    """402. ``generation`` is V016 ("MFA code required": Basic cannot carry a
    code, use OAuth / app password / API key) or LEGACY ("TOTP code
    required": append ``$code`` to the password)."""
    key = "err.mfa_required"

    def __init__(self, generation: Generation | str, server_text: Optional[str] = None):
        generation = Generation(generation)
        super().__init__("err.mfa_required" if generation == Generation.V016 else "err.totp_required",
                         server_text=server_text, status=402)
        self.generation = generation


class Forbidden(StalwartError):
    key = "err.forbidden_http"


class RateLimited(StalwartError):
    key = "err.rate_limited"
    retryable = True

    # Stalwart sends Retry-After, but without Access-Control-Expose-Headers a
    # page on another origin cannot read it: the message says "a few minutes".
    def __init__(self, server_text: Optional[str] = None):
        super().__init__(server_text=server_text, status=429)


class ServerError(StalwartError):
    key = "err.server"
    retryable = True


class BadRequest(StalwartError):
    """400: ``problem_type`` is e.g. urn:ietf:params:jmap:error:notRequest / notJSON."""
    key = "err.bad_request"

    def __init__(self, status: int = 400, problem_type: Optional[str] = None,
                 server_text: Optional[str] = None):
        super().__init__(params={"status": status}, server_text=server_text, status=status)
        self.problem_type = problem_type


class EndpointNotFound(StalwartError):
    key = "err.not_found_endpoint"


class ProtocolError(StalwartError):
    """The answer was not what the contract says (bad JSON, wrong shape)."""
    key = "err.protocol"

    def __init__(self, what: str = "unexpected answer", server_text: Optional[str] = None):
        super().__init__(params={"what": what}, server_text=server_text)


# ----- JMAP -------------------------------------------------------------------------
_METHOD_KEYS = {
    "forbidden": "err.method.forbidden",
    "unknownMethod": "err.method.unknown_method",
    "serverUnavailable": "err.method.server_unavailable",
    "invalidArguments": "err.method.invalid_arguments",
    "requestTooLarge": "err.method.request_too_large",
}


class MethodError(StalwartError):
    """``["error", {"type": ...}, id]`` for one method call."""

    def __init__(self, error_type: str, description: Optional[str] = None,
                 method: str = "", call_id: str = "", permission: Optional[str] = None):
        key = _METHOD_KEYS.get(error_type, "err.method.other")
        params = {"type": error_type}
        if error_type == "forbidden" and permission:
            key = "err.method.forbidden_permission"
            params["permission"] = permission
        super().__init__(key, params, server_text=description)
        self.error_type = error_type
        self.method = method
        self.call_id = call_id
        self.permission = permission


class WrongCurrentSecret(StalwartError):
    """A change was refused for its proof of who is asking: the current
    password or two-factor code. Which case it is, is the subclass:
    ``CurrentSecretIncorrect`` (wrong; the server does not say which of
    password and code), ``CurrentSecretMissing``, ``CodeRequired``."""
    key = "err.password.current_incorrect"
    field = "current_password"


class CurrentSecretIncorrect(WrongCurrentSecret):
    """The server says the current password (or the code with it) is not correct."""


class CurrentSecretMissing(WrongCurrentSecret):
    """The server wants the current password and none was sent."""
    key = "err.input.password_required"


class CodeRequired(WrongCurrentSecret):
    """The change needs the current two-factor code and none was given (the
    server said so, or the page knows 2FA is on). ``field`` is "code"."""
    key = "err.input.code_required"
    field = "code"


_SET_KEYS = {
    "invalidProperties": "err.set.invalid_properties",
    "invalidPatch": "err.set.invalid_patch",
    "validationFailed": "err.set.validation_failed",
    "overQuota": "err.quota",
    "objectIsLinked": "err.set.object_is_linked",
    "singleton": "err.set.singleton",
    "notFound": "err.set.not_found",
    "invalidForeignKey": "err.set.invalid_foreign_key",
    "forbidden": "err.set.forbidden",
}


_GRANT = "You are not authorized to grant permissions:"


def _describe_validation(v: dict) -> str:
    kind = v.get("type", "Invalid")
    prop = v.get("property", "?")
    words = {"Required": "is required", "Invalid": "is invalid", "MaxLength": "is too long",
             "MinLength": "is too short", "MaxValue": "is too large", "MinValue": "is too small"}
    return f"{prop} {words.get(kind, 'is invalid')}"


class SetError(StalwartError):
    """One entry of notCreated / notUpdated / notDestroyed."""

    def __init__(self, error_type: str, description: Optional[str] = None,
                 properties: Optional[list] = None,
                 validation_errors: Optional[list] = None, target: str = "",
                 object_id: Optional[tuple] = None):
        props = [str(p) for p in (properties or [])]
        vals = [v for v in (validation_errors or []) if isinstance(v, dict)]
        if not props and vals:
            props = [str(v.get("property")) for v in vals if v.get("property") is not None]
        params = {"type": error_type, "properties": ", ".join(props) or "a field",
                  "problems": "; ".join(_describe_validation(v) for v in vals) or "unknown"}
        key = _SET_KEYS.get(error_type, "err.set.other")
        if error_type == "forbidden" and description and description.startswith(_GRANT):
            # the permissions a credential may not get are only in the description
            key = "err.set.forbidden_grant"
            params["permissions"] = description[len(_GRANT):].strip() or "?"
        super().__init__(key, params, server_text=description, properties=props)
        self.error_type = error_type
        self.validation_errors = vals
        self.target = target  # creation id or object id
        # objectId of invalidForeignKey / objectIsLinked: (object type, id), e.g.
        # ("PublicKey", "zzzz"); the only pointer there is (no description, seen on 0.16.18)
        self.object_id = object_id


class ManagementError(StalwartError):
    """Legacy (0.11-0.15) ``HTTP 200 {"error": ...}`` answers."""

    def __init__(self, kind: str, details: Optional[str] = None, **extra: Any):
        if kind == "unsupported":
            key = "err.manage.unsupported"
        elif kind == "other" and details and "only allowed using Basic" in details:
            key = "err.manage.basic_required"
        elif kind == "notFound":
            key = "err.manage.not_found"
        elif kind == "fieldMissing":
            key = "err.manage.field_missing"
        elif kind == "fieldAlreadyExists":
            key = "err.manage.already_exists"
        else:
            key = "err.manage.other"
        params = {"item": str(extra.get("item") or "it"), "field": str(extra.get("field") or "?")}
        text = details
        if text and extra.get("reason"):
            text = f"{text} ({extra['reason']})"
        super().__init__(key, params, server_text=text)
        self.kind = kind


# ----- client side ------------------------------------------------------------------
class InvalidInput(StalwartError):
    """Caught before anything is sent. ``field`` names the form field;
    ``issue`` (an ``app.issues.Issue``), when a checker found the problem,
    lets the page say its detail in the reader's language."""

    def __init__(self, key: str, field: str = "", params: Optional[dict] = None,
                 issue: Any = None):
        super().__init__(key, params, properties=[field] if field else None)
        self.field = field
        self.issue = issue


class Unsupported(StalwartError):
    """The action is not possible for this account on this server, refused
    before anything is sent. ``access`` (an ``app.stalwart.state.Access``)
    says why: its ``key`` is this error's, and the permissions to grant are
    ``params["permissions"]``."""

    def __init__(self, access: Any):
        super().__init__(access.key, {"permissions": ", ".join(access.permissions)})
        self.access = access


class TimedOut(StalwartError):
    """No answer within ``seconds`` (``app.http.Timeout``). For a read this
    is all there is to say; an action that timed out is checked by the
    account layer and ends as an outcome, ``AnswerLost`` or ``OutcomeUnknown``."""
    key = "err.timeout"
    retryable = True

    def __init__(self, origin: str, seconds: float):
        super().__init__(params={"seconds": f"{seconds:g}", "origin": origin})
        self.origin = origin
        self.seconds = seconds


class AnswerLost(StalwartError):
    """An action's answer was lost (time-out, broken connection, cut or
    unreadable answer) and the page re-read the account: the change was NOT
    made. ``cause`` is the original error; ``state`` the fresh state."""
    key = "err.answer_lost"
    retryable = True

    def __init__(self, cause: StalwartError, state: Any = None):
        timeout = isinstance(cause, TimedOut)
        super().__init__("err.answer_lost_timeout" if timeout else "err.answer_lost",
                         dict(cause.params) if timeout else None)
        self.cause = cause
        self.state = state
        self.timed_out = timeout  # the UI adds "check the current state": a late answer may land


class OutcomeUnknown(StalwartError):
    """An action's answer was lost and the page could not check what
    happened either (the re-read failed too). ``action`` is the
    ``app.vocab.Area`` of the change (password, two_factor, credential,
    encryption); the message says how the user can check. Not
    ``retryable``: repeating it blindly could make a second app password or
    upload a second key."""

    def __init__(self, action: Area, cause: StalwartError, check_error: Optional[StalwartError] = None):
        action = Area(action)
        super().__init__(f"err.outcome_unknown.{action}")
        self.action = action
        self.cause = cause
        self.check_error = check_error


class SignedOut(StalwartError):
    """The account object was closed (sign-out): it holds no credentials."""
    key = "err.signed_out"


class OAuthError(StalwartError):
    def __init__(self, key: str, error: str = "", server_text: Optional[str] = None):
        super().__init__(key, {"error": error or "unknown"}, server_text=server_text)
        self.error = error


class AuthorizationPending(OAuthError):
    """Device flow: not confirmed yet; poll again after ``interval`` seconds."""

    def __init__(self, interval: int, error: str = "authorization_pending"):
        super().__init__("err.oauth.pending", error)
        self.interval = interval


# ----- honest: the password policy below 0.16, and what a sign-in code did ----------------
class WeakPassword(InvalidInput):
    """A new password Stalwart 0.16 refuses (``reason``: an ``app.vocab.Weakness``,
    too short, too long, too common, easy to guess). ``strength`` is the
    ``app.passwords.Strength`` verdict (its warning and suggestion keys say
    why, in any language). ``overridable``: the server would take it (0.11–0.15
    have no policy: this check is the only guard), so the page may offer "use it
    anyway" (``change_password(..., accept_weak=True)``); on 0.16 it is False:
    the server refuses it whatever the page does."""

    def __init__(self, key: str, params: Optional[dict], reason: Any, strength: Any,
                 overridable: bool):
        super().__init__(key, "new_password", params)
        self.reason = reason
        self.strength = strength
        self.overridable = overridable


class SamePassword(InvalidInput):
    """The new password is the current one typed again: refused before anything
    is sent (a "change" would still end other sign-ins, and on 0.14–0.15 remove
    every app password and two-factor)."""

    def __init__(self) -> None:
        super().__init__("err.input.password_same", "new_password")


class CodeIncorrect(StalwartError):
    """0.11–0.15 sign-in: the password is right (the server asked for a code
    when it came alone) but the two-factor code with it was refused: wrong,
    or no longer current. ``field`` is "code", or "password" when the code was
    typed in the password field (``password$123456``)."""
    key = "err.signin.code_incorrect"
    field = "code"

    def __init__(self, in_password: bool = False, server_text: Optional[str] = None):
        super().__init__("err.signin.code_incorrect_in_password" if in_password else None,
                         server_text=server_text, status=401)
        self.in_password = in_password
        if in_password:
            self.field = "password"
