"""Typed errors for everything the client can run into.

Every error is a ``StalwartError`` carrying a stable message id (``key``),
the parameters for that message (``params``), plain English (``message``:
what happened and what to do next) and, when the server said something, the
server's own words (``server_text``, shown verbatim, never translated).

Nothing secret ever goes into an error: parameters hold origins, property
names, counts and error types, never passwords, codes, tokens or secrets.
``MESSAGES`` lists the English template of every key used in this package;
the UI's catalogue translates by key.
"""
from __future__ import annotations

from typing import Any, Optional

CORS_SETTING_016 = "x:Http.usePermissiveCors"
CORS_SETTING_LEGACY = "http.permissive-cors"

MESSAGES: dict[str, str] = {
    # transport / HTTP
    "err.cannot_reach": (
        "Could not reach the mail server at {origin}. Check the address and your connection. "
        "If the address is right, the server is probably not allowing this page to talk to it "
        "(CORS): the administrator must turn on {setting_016} (Stalwart 0.16) or "
        "{setting_legacy} (Stalwart 0.11 to 0.15)."),
    "err.cannot_reach_cors": (
        "The mail server at {origin} is running, but it does not allow this page to talk to it "
        "(CORS). The administrator must turn on {setting_016} (Stalwart 0.16) or "
        "{setting_legacy} (Stalwart 0.11 to 0.15)."),
    "err.auth_required": (
        "The server did not accept these credentials. Check your login and password (or token) "
        "and sign in again."),
    "err.auth_required_account_name": (
        "The server did not accept these credentials. This server signs in with your account "
        "name, not your email address: try your account name without @domain (for example "
        "{name}), then check the password."),
    "err.mfa_required": (
        "This account uses two-factor authentication, so the password alone is not enough. "
        "Sign in through the server's login page (OAuth), or use an app password or API key."),
    "err.totp_required": (
        "This account uses two-factor authentication. Enter the current 6-digit code from "
        "your authenticator app together with your password."),
    "err.forbidden_http": (
        "The server refused this request (forbidden). Your account or this credential lacks "
        "the permission, or it may only be used from other IP addresses. Ask your administrator."),
    "err.rate_limited": (
        "Too many attempts. The server is temporarily blocking requests; wait a few minutes "
        "and try again."),
    "err.server": (
        "The mail server had an internal problem (HTTP {status}). Try again later; if it "
        "keeps happening, tell your administrator."),
    "err.bad_request": (
        "The server rejected the request as malformed (HTTP {status}). This is likely a bug "
        "in this page or a server version it does not support."),
    "err.not_found_endpoint": (
        "The server does not offer {what}. It may be a different Stalwart version than "
        "expected, or not a Stalwart server."),
    "err.protocol": (
        "The server sent an answer this page does not understand ({what}). Check the server "
        "address; if it is right, this Stalwart version may not be supported."),
    "err.not_stalwart_session": (
        "Signed in, but the server returned no mail account for you. Check that you used "
        "the right login."),
    # JMAP method errors
    "err.method.forbidden": (
        "The server does not allow your account to do this. Ask your administrator for the "
        "permission."),
    "err.method.unknown_method": (
        "This server does not support this operation (unknown method). It may be an older "
        "Stalwart version."),
    "err.method.server_unavailable": (
        "The server could not do this right now. If you just typed a wrong password or code "
        "several times, you may be temporarily blocked; wait and try again later."),
    "err.method.invalid_arguments": (
        "The server rejected the request's arguments. This is likely a bug in this page."),
    "err.method.request_too_large": (
        "The request was too large for the server. Try fewer changes at once."),
    "err.method.forbidden_permission": (
        "The server does not allow your account to do this: it lacks the permission "
        "{permission}. Ask your administrator to grant it."),
    "err.method.other": "The server reported an error ({type}).",
    # current password / code checks on changes
    "err.password.current_incorrect": (
        "The current password (or the code) is not correct. Check it and try again; after "
        "several wrong attempts the server blocks you for a while."),
    "err.password.not_supported": (
        "Your password cannot be changed here: it is managed outside this mail server (for "
        "example LDAP or single sign-on). Change it there, or ask your administrator."),
    "err.password.otp_required": (
        "Two-factor authentication is on: enter the current code from your authenticator app "
        "as well."),
    # JMAP SetErrors
    "err.set.invalid_properties": (
        "The server rejected the value of {properties}. Correct it and try again."),
    "err.set.invalid_patch": (
        "The server rejected a value ({properties}). Fill in the field or leave it out, "
        "then try again."),
    "err.set.validation_failed": (
        "Some fields are not valid: {problems}. Correct them and try again."),
    "err.quota": (
        "You have reached the maximum number allowed. Delete one you no longer use, then try "
        "again."),
    "err.set.object_is_linked": (
        "This item is still in use (for example, the key used for encryption at rest). "
        "Turn that off or switch to another key first."),
    "err.set.singleton": "This setting cannot be created or deleted, only changed.",
    "err.set.not_found": "It no longer exists on the server. Reload to see the current state.",
    "err.set.invalid_foreign_key": (
        "It refers to something that does not exist (for example, a deleted key). Reload and "
        "choose again."),
    "err.set.forbidden": (
        "The server refused this change. Check your current password (and code) and your "
        "permissions, then try again."),
    "err.set.forbidden_grant": (
        "A new credential cannot have permissions your own account lacks ({permissions}). "
        "Leave the permissions as they are, or ask your administrator."),
    "err.set.other": "The server could not save this ({type}).",
    # legacy management errors (0.11-0.15, HTTP 200 {"error": ...})
    "err.manage.unsupported": (
        "The server does not support this for your account (for example, accounts stored in "
        "LDAP or SQL cannot be changed here, or the administrator disabled it)."),
    "err.manage.basic_required": (
        "This change needs your password: sign in with login and password (not a token) "
        "and try again."),
    "err.manage.not_found": "The server could not find {item}. Reload and try again.",
    "err.manage.field_missing": "The server says {field} is missing.",
    "err.manage.already_exists": "That already exists ({field}). Choose another name.",
    "err.manage.other": "The server could not do this. See the server's message below.",
    # client-side input checks
    "err.input.description_required": "Enter a description so you can recognise it later.",
    "err.input.expiry_past": "The expiry date must be in the future.",
    "err.input.bad_ip": "Check the allowed IP addresses: {detail}",
    "err.input.password_required": "Enter your current password.",
    "err.input.new_password_required": "Enter a new password.",
    "err.input.code_format": "The code must be 6 to 8 digits.",
    "err.input.otp_url": (
        "This authenticator setup would lock you out, so it was not saved: {detail}"),
    "err.input.key_required": "Paste or choose a public key first (PEM or ASCII-armored text).",
    "err.input.private_key": (
        "This is a PRIVATE key. Never upload it anywhere; export and paste the public key or "
        "certificate instead."),
    "err.input.encryption": "Choose a valid encryption setting: {detail}.",
    "err.input.server": "Enter the server address, like https://mail.example.com.",
    # feature availability
    "err.unsupported.api_keys_legacy": (
        "API keys cannot be managed by users on this server version (Stalwart 0.15 or older). "
        "Ask your administrator."),
    "err.unsupported.legacy_app_password_update": (
        "App passwords cannot be edited on this server version; delete it and create a new one."),
    "err.unsupported.legacy_options": (
        "This server version does not support expiry dates, IP limits or permission limits "
        "for app passwords."),
    # OAuth
    "err.oauth.state_mismatch": (
        "The sign-in answer does not match the sign-in this page started. Start again."),
    "err.oauth.no_code": "The sign-in did not return an authorization code. Start again.",
    "err.oauth.denied": "Sign-in was refused or cancelled. Start again if you want to sign in.",
    "err.oauth.expired": "The sign-in code expired before it was confirmed. Start again.",
    "err.oauth.invalid_grant": "The sign-in code is no longer valid. Start again.",
    "err.oauth.other": "Sign-in failed ({error}). Start again.",
    "err.oauth.pending": "Waiting for you to confirm the sign-in on the other device.",
    "err.oauth.issuer_mismatch": (
        "The sign-in answer did not come from your mail server, so it was ignored. Start "
        "again; if it happens again, tell your administrator."),
    "err.oauth.token.access_denied": (
        "The server did not accept the sign-in code: it is unknown, expired or was already "
        "used. Start the sign-in again."),
    "err.oauth.token.invalid_client": (
        "The server did not accept this page's sign-in request (the page's name or return "
        "address did not match). Start again; if it keeps happening, tell your administrator."),
    "err.oauth.token.invalid_request": (
        "The server found the sign-in request incomplete. Start again; if it keeps happening, "
        "tell your administrator."),
    "err.oauth.token.unauthorized_client": (
        "The server does not allow this page to sign in this way. Use another way to sign in, "
        "or ask your administrator."),
    "err.oauth.token.unsupported_grant_type": (
        "This server does not support this way of signing in. Use another way to sign in."),
    "err.oauth.token.invalid_scope": (
        "The server refused the access this page asked for. Tell your administrator."),
    "err.oauth.token.server_error": (
        "The server could not finish the sign-in right now. Wait a moment and try again."),
    "err.oauth.legacy_refused": (
        "The server refused to sign you in this way; its message is below. Check the code "
        "from your app and try again."),
    "err.oauth.device_refused": (
        "The server did not start a sign-in for another device; its message is below. Sign in "
        "with your password (and code) instead."),
    # availability (SecurityState.unavailable)
    "unavailable.permissions": (
        "Account security management is not available for this mail server: your account "
        "lacks the permission {permissions}. Ask your administrator to grant it."),
    "notice.password_expired": (
        "Your password may have expired: the server currently allows nothing but a password "
        "change. Change your password, then sign in again."),
    "unavailable.external_directory": (
        "Your password is managed outside this mail server (for example LDAP or SSO); change "
        "it there."),
    "unavailable.legacy_api_keys": (
        "API keys cannot be managed by users on this server version (Stalwart 0.15 or older)."),
    "unavailable.encryption_disabled": (
        "Encryption at rest has been turned off by the administrator of this server."),
    "err.unsupported.legacy_public_keys": (
        "On this server version the key is uploaded together with the encryption setting; "
        "use \"Enable encryption\" instead."),
    "unavailable.login_page_legacy": (
        "This mail server (Stalwart 0.15 or older) has no sign-in page this page can use. Sign "
        "in below with your account name and password and, if you use two-factor "
        "authentication, the current code from your app."),
    "unavailable.legacy_no_basic": (
        "To change your password or two-factor settings on this server version, sign in with "
        "login and password."),
    # --- the account layer (app.stalwart.SecurityAccount) ------------------------------
    # lost answers, time-outs
    "err.timeout": (
        "The mail server did not answer within {seconds} seconds. Check your connection and "
        "try again."),
    "err.answer_lost": (
        "The server's answer was lost on the way, so the page checked: nothing was changed. "
        "Try again."),
    "err.answer_lost_timeout": (
        "The server did not answer within {seconds} seconds. The page checked: so far nothing "
        "was changed. Wait a moment and check again before you try again."),
    "err.outcome_unknown.password": (
        "The server's answer was lost and the page could not check whether your password was "
        "changed. Try signing in with your new password in a new tab; if that fails, your old "
        "password still works."),
    "err.outcome_unknown.two_factor": (
        "The server's answer was lost and the page could not check whether your two-factor "
        "setting was changed. Reload this page when your connection works to see the current "
        "state."),
    "err.outcome_unknown.credential": (
        "The server's answer was lost and the page could not check whether the change was "
        "saved. Reload this page when your connection works and look at the list: revoke "
        "anything you did not mean to create."),
    "err.outcome_unknown.encryption": (
        "The server's answer was lost and the page could not check whether your encryption "
        "setting was changed. Reload this page when your connection works to see the current "
        "state and the stored keys."),
    "err.signed_out": "You are signed out. Sign in again to continue.",
    # input checks of the account layer (one key per problem, named field)
    "err.input.password_mismatch": "The two new passwords are not the same. Type it again.",
    "err.input.code_required": (
        "Two-factor authentication is on: enter the current code from your authenticator app."),
    "err.input.new_code_wrong": (
        "This code does not match the new key. Check that your app shows the new entry and "
        "type its current code."),
    "err.input.expiry_format": "Enter the expiry date as a date (year-month-day), or leave it empty.",
    "err.input.option_unsupported": (
        "This server version does not support this option; leave it empty."),
    "err.input.algorithm": "Choose one of the algorithms offered for this key.",
    "err.input.key_refused": "This key cannot be used for encryption at rest: {detail}",
    "err.input.key_unknown": "That key is no longer stored on the server. Reload and choose again.",
    # outcomes worth telling (Outcome.notice)
    "outcome.checked": (
        "The server's answer was lost on the way, so the page checked: the change was made."),
    "outcome.password_checked": (
        "The server's answer was lost on the way, so the page checked by signing in with the "
        "new password: your password was changed."),
    "outcome.secret_lost": (
        "The server's answer was lost on the way, so the secret could not be shown. The page "
        "checked: \u201c{name}\u201d now exists. Revoke it if you do not use it, and create a new one."),
    "outcome.signin_again_new_password": (
        "Your password was changed. This change also ended your sign-in: sign in again with your "
        "new password."),
    "outcome.signin_again": (
        "The change was saved. It also ended your sign-in: sign in again."),
    "outcome.wiped": (
        "On this server version a password change also removes every app password and turns "
        "two-factor authentication off; set them up again if you need them."),
    "outcome.half_done": (
        "Your key was uploaded, but encryption at rest could not be turned on: {reason} Turn it "
        "on with the uploaded key, or remove the key."),
    "outcome.key_reused": (
        "This key was already stored on the server, so it was not uploaded a second time."),
    # SecurityState: why a feature cannot be used
    "state.not_permitted": (
        "Your administrator hasn't allowed this for your account."),
    "state.not_supported": "This server version does not offer this.",
    "state.managed_elsewhere": (
        "This is managed outside this mail server (for example LDAP or single sign-on); change "
        "it there."),
    "state.turned_off": "Your administrator has turned this off on this server.",
    "state.password_expired": (
        "Your password has expired: change it first, then sign in again."),
    "state.unreadable": "The page could not read this from the server. Reload to try again.",
}


def render(key: str, params: Optional[dict] = None) -> str:
    template = MESSAGES.get(key, key)
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return template


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
        self.message = render(self.key, self.params)
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


class AuthRequired(StalwartError):
    """401: ask again for credentials (the UI keeps what the user typed)."""
    key = "err.auth_required"


class MfaRequired(StalwartError):
    """402. ``generation`` is "0.16" ("MFA code required": Basic cannot carry a
    code, use OAuth / app password / API key) or "legacy" ("TOTP code
    required": append ``$code`` to the password)."""
    key = "err.mfa_required"

    def __init__(self, generation: str, server_text: Optional[str] = None):
        super().__init__("err.mfa_required" if generation == "0.16" else "err.totp_required",
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
    """A change was refused because the current password or TOTP code is wrong
    or missing (key err.password.current_incorrect / err.password.otp_required).
    The server does not say which of password and code was wrong."""
    key = "err.password.current_incorrect"
    field = "current_password"


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
    """Caught before anything is sent. ``field`` names the form field."""

    def __init__(self, key: str, field: str = "", params: Optional[dict] = None):
        super().__init__(key, params, properties=[field] if field else None)
        self.field = field


class Unsupported(StalwartError):
    key = "err.unsupported.api_keys_legacy"


class CodeRequired(WrongCurrentSecret):
    """The change needs the current two-factor code and none was given (the
    server said so, or the page knows 2FA is on). ``field`` is "code"."""
    key = "err.input.code_required"
    field = "code"


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


class OutcomeUnknown(StalwartError):
    """An action's answer was lost and the page could not check what
    happened either (the re-read failed too). ``action`` is one of
    "password", "two_factor", "credential", "encryption"; the message says
    how the user can check. Not ``retryable``: repeating it blindly could
    make a second app password or upload a second key."""

    def __init__(self, action: str, cause: StalwartError, check_error: Optional[StalwartError] = None):
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
