"""What a change did, in words: what is now true, what it ended, what still
works, and what to do next (``Message``), from the ``Outcome``, the state
before the change and how the user signed in.

What a password change ends and leaves working is a fact of the server
generation, carried by the state (``PasswordFeature.change_ends`` /
``change_keeps``, docs/stalwart-contract.md §0.1): the page never guesses and
never says more was ended than the state shows. A change that ended this
sign-in is said on the sign-in card instead (``ended``).
"""
from __future__ import annotations

from typing import Any, Optional

from app.stalwart import state as S
from app.stalwart.outcomes import BY_CHECK, Outcome
from app.ui import text as txt
from app.ui.views import messages as M
from app.ui.views.say import Foreign, Say

# a sign-in method -> the kind of credential it is (to tell whether it survives)
_OWN_KIND = {S.BY_APP_PASSWORD: S.APP_PASSWORDS, S.BY_API_KEY: S.API_KEYS}
# Outcome.notice keys a user must act on (revoke, set up again, finish)
WARN_NOTICES = ("outcome.secret_lost", "outcome.made_twice", "outcome.wiped", "outcome.half_done")


def _count(f: S.CredentialFeature, *others: Optional[S.CredentialFeature]) -> Optional[int]:
    for x in (f, *others):
        if x is not None and x.count is not None:
            return x.count
    return None


def _error_say(err: Any) -> Say:
    """A typed error inside a sentence (why a half-done upload stopped)."""
    from app.ui.views.errors import error_say
    return error_say(err)


def _notice(out: Outcome) -> Optional[Say]:
    if not out.notice or out.notice in ("outcome.wiped", "outcome.signin_again_new_password",
                                        "outcome.password_checked"):
        return None  # said by the facts below
    params: dict[str, Any] = {}
    for k, v in (out.params or {}).items():
        params[k] = Foreign(v, 300) if isinstance(v, str) else v
    if out.notice == "outcome.half_done" and out.half_done is not None:
        params["reason"] = _error_say(out.half_done.reason)
    return Say(out.notice, params)


def _surviving(st: Optional[S.SecurityState], before: S.SecurityState, keeps: tuple[str, ...]
               ) -> tuple[list[Say], list[str]]:
    """The credentials that keep working, with their counts, and the offers to review them."""
    items: list[Say] = []
    offers: list[str] = []
    after = st or before
    if S.APP_PASSWORDS in keeps:
        n = _count(after.app_passwords, before.app_passwords)
        if n:
            items.append(Say("ui.out.keeps_app_passwords", {"n": n}))
            offers.append(M.REVIEW_APP_PASSWORDS)
    if S.API_KEYS in keeps:
        n = _count(after.api_keys, before.api_keys)
        if n:
            items.append(Say("ui.out.keeps_api_keys", {"n": n}))
            offers.append(M.REVIEW_API_KEYS)
    return items, offers


def password_changed(out: Outcome, before: S.SecurityState) -> M.Message:
    """A password change the page goes on after (not ENDED)."""
    pw = before.password
    method = before.sign_in.method
    lines = [Say("ui.password.changed")]
    if out.confirmed == BY_CHECK:
        lines.append(Say("outcome.password_checked"))
    if out.session == S.REPLACED:
        lines.append(Say("ui.out.this_goes_on_new_password"))
    elif method == S.BY_OAUTH and S.OAUTH_ACCESS in pw.change_keeps:
        lines.append(Say("ui.out.this_until_token_expires"))
    elif _OWN_KIND.get(method) in pw.change_keeps:
        lines.append(Say("ui.out.this_keeps_working"))
    ended: list[Say] = []
    claims: list = []
    offers: list[str] = []
    if S.OAUTH_SESSIONS in pw.change_ends:
        ended.append(Say("ui.out.ends_oauth_sessions"))
    if "app_passwords" in out.wiped:
        ended.append(Say("ui.out.ended_app_passwords"))
        claims.append((M.APP_PASSWORDS_NONE, True))
    if "two_factor" in out.wiped:
        ended.append(Say("ui.out.ended_two_factor"))
        claims.append((M.TWO_FACTOR_ON, False))
        offers.append(M.REVIEW_TWO_FACTOR)
    if S.OAUTH_RENEWAL in pw.change_ends:
        ended.append(Say("ui.out.ends_oauth_renewal"))
    keeps, review = _surviving(out.state, before, pw.change_keeps)
    lists = []
    if ended:
        lists.append((Say("ui.out.what_ended"), tuple(ended)))
    if keeps:
        lists.append((Say("ui.out.what_works"), tuple(keeps)))
    lines.append(Say("ui.out.tell_mail_apps"))
    if out.state_error is not None:
        lines.append(Say("ui.state_unread"))
    return M.Message(M.WARN if out.wiped else M.OK, tuple(lines), tuple(lists),
                     offers=tuple(offers + review + ([M.CHECK] if out.state_error is not None else [])),
                     claims=tuple(claims))


def two_factor_on(out: Outcome, before: S.SecurityState) -> M.Message:
    replacing = before.two_factor.enabled is True
    lines = [Say("ui.out.totp_replaced" if replacing else "ui.totp.now_on")]
    if out.confirmed == BY_CHECK:
        lines.append(Say("outcome.checked"))
    keeps, offers = _surviving(out.state, before, (S.APP_PASSWORDS, S.API_KEYS))
    lists = [(Say("ui.out.what_works_no_code"), tuple(keeps))] if keeps else []
    if not replacing:
        lines.append(Say("ui.out.mail_apps_need_app_password"))
        if M.REVIEW_APP_PASSWORDS not in offers and before.app_passwords.can(S.CREATE):
            offers.insert(0, M.REVIEW_APP_PASSWORDS)
    return _finish(out, lines, lists, offers, [(M.TWO_FACTOR_ON, True)])


def two_factor_off(out: Outcome, before: S.SecurityState) -> M.Message:
    lines = [Say("ui.totp.now_off"), Say("ui.out.totp_off_password_only")]
    if out.confirmed == BY_CHECK:
        lines.append(Say("outcome.checked"))
    return _finish(out, lines, [], [], [(M.TWO_FACTOR_ON, False)])


def credential_created(out: Outcome, before: S.SecurityState, api: bool, name: str) -> M.Message:
    lines: list[Say] = []
    if out.created is not None:
        lines.append(Say("ui.cred.created_api" if api else "ui.cred.created_app", {"name": Foreign(name, 60)}))
    notice = _notice(out)
    if notice is not None:
        lines.append(notice)
    msg = _finish(out, lines, [], [], [])
    if out.notice in WARN_NOTICES:
        msg = M.Message(M.WARN, msg.lines, msg.lists, msg.server_text, msg.offers, msg.claims)
    return msg


def credential_revoked(out: Outcome, before: S.SecurityState, api: bool, item_id: str,
                       name: str) -> M.Message:
    lines = [Say("ui.cred.revoked", {"name": Foreign(name, 80)})]
    if out.confirmed == BY_CHECK:
        lines.append(Say("outcome.checked"))
    ended = (Say("ui.out.what_ended"), (Say("ui.out.ended_api_key" if api else "ui.out.ended_app_password"),))
    return _finish(out, lines, [ended], [], [(M.API_KEY_GONE if api else M.APP_PASSWORD_GONE, item_id)])


def encryption_on(out: Outcome, before: S.SecurityState, algo: str, name: str = "") -> M.Message:
    """Upload-and-enable, switching to a stored key, or finishing a half-done upload."""
    algo_name = txt.algorithm_name(algo)
    if out.half_done is not None:
        return M.Message(M.WARN, (Say("outcome.half_done", {"reason": _error_say(out.half_done.reason)}),),
                         offers=(M.FINISH_UPLOAD, M.REMOVE_UPLOAD))
    was_on = before.encryption.enabled is True
    if name:
        lines = [Say("ui.enc.using", {"name": Foreign(name, 60), "algo": algo_name})]
    else:
        lines = [Say("ui.enc.replaced" if was_on else "ui.enc.now_on", {"algo": algo_name})]
    notice = _notice(out)
    if notice is not None:
        lines.append(notice)
    if was_on:
        lines.append(Say("ui.enc.consequence_old_key"))
    claims: list = [(M.ENCRYPTION_ON, True)]
    key = getattr(out.item, "id", None)
    if key and before.encryption.stores_keys:
        claims.append((M.KEY_IN_USE, key))
    return _finish(out, lines, [], [], claims)


def encryption_off(out: Outcome, before: S.SecurityState) -> M.Message:
    lines = [Say("ui.enc.now_off"), Say("ui.enc.disable_confirm")]
    if out.confirmed == BY_CHECK:
        lines.append(Say("outcome.checked"))
    return _finish(out, lines, [], [], [(M.ENCRYPTION_ON, False)])


def key_deleted(out: Outcome, before: S.SecurityState, key_id: str, name: str,
                uploaded: bool = False) -> M.Message:
    lines = [Say("ui.enc.uploaded_removed") if uploaded else
             Say("ui.enc.deleted", {"name": Foreign(name, 80)})]
    if out.confirmed == BY_CHECK:
        lines.append(Say("outcome.checked"))
    return _finish(out, lines, [], [], [(M.KEY_GONE, key_id)])


def _finish(out: Outcome, lines: list[Say], lists: list, offers: list[str], claims: list) -> M.Message:
    if out.state_error is not None:
        lines.append(Say("ui.state_unread"))
        offers = offers + [M.CHECK]
    return M.Message(M.OK, tuple(lines), tuple(lists), offers=tuple(offers), claims=tuple(claims))


# ------------------------------------------------------------------------ the sign-in ended
def ended(out: Outcome, before: S.SecurityState, *, login_page: bool, name: str = "") -> M.Message:
    """The panel on the sign-in card after a change that ended this sign-in:
    what is now true, and how to sign in again."""
    action = out.action
    lists: list = []
    if action == "change_password":
        pw = before.password
        if out.wiped:
            lines = [Say("ui.password.changed"), Say("ui.password.changed_wiped_signin")]
        else:
            lines = [Say("ui.password.changed"), Say("ui.password.changed_signin")]
        keeps, _ = _surviving(None, before, pw.change_keeps)
        if keeps:
            lists.append((Say("ui.out.what_works"), tuple(keeps)))
    elif action == "enable_totp":
        lines = [Say("ui.out.totp_replaced" if before.two_factor.enabled else "ui.totp.now_on"),
                 Say("ui.totp.on_signin" if login_page else "ui.totp.on_signin_legacy")]
    elif action == "disable_totp":
        lines = [Say("ui.totp.now_off"), Say("ui.totp.off_signin")]
    elif action.startswith("revoke_"):
        lines = [Say("ui.cred.revoked", {"name": Foreign(name, 80)}), Say("ui.cred.revoked_own_signin")]
    else:
        lines = [Say("outcome.signin_again")]
    return M.Message(M.OK, tuple(lines), tuple(lists))


__all__ = ["password_changed", "two_factor_on", "two_factor_off", "credential_created",
           "credential_revoked", "encryption_on", "encryption_off", "key_deleted", "ended",
           "WARN_NOTICES"]
