"""Hypothesis: whatever the server answers, the account layer gives a
SecurityState / an Outcome, or a typed ``StalwartError``; never a raw
exception, and never an Outcome for a change the answer did not confirm
unless the check found it in place."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import stalwart
from app.auth import Basic
from app.errors import StalwartError
from app.stalwart import Outcome, SecurityState
from client_fakes import ORIGIN, FakeTransport, resp, run, session
from test_client_fuzz import json_values

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD_STATE = {
    "r.pw": {"list": [{"id": "singleton", "otpAuth": {}}]},
    "r.app": {"list": []}, "r.key": {"list": []}, "r.pk": {"list": []},
    "r.set": {"list": [{"id": "singleton", "encryptionAtRest": {"@type": "Disabled"}}]},
}


def jmap_from(args_for):
    """Answer each call with ``args_for(call id, name)``: a dict, or
    ("error", {...}) for a method error."""
    def answer(req):
        out = []
        for name, _a, cid in req.calls:
            a = args_for(cid, name)
            out.append(["error", a[1], cid] if isinstance(a, tuple) else [name, a, cid])
        return resp(200, {"methodResponses": out})
    return answer


def signed_in(stalwart_gen=True, perms=None):
    t = FakeTransport().on("GET", "/.well-known/jmap", resp(200, session(stalwart_gen)))
    t.on("GET", "/api/account", resp(200, {"permissions": perms} if perms is not None else {}))
    # asked when the permissions lack the password ones: Stalwart's own metadata (no provider)
    t.on("GET", "/api/discover/alice@example.com", resp(200, {"issuer": "", "authorization_endpoint": "/login"}))
    t.on("POST", "/jmap/", jmap_from(lambda cid, name: GOOD_STATE.get(cid, {})))
    t.on("GET", "/api/account/auth", resp(200, {"data": {"otpEnabled": False, "appPasswords": []}}))
    t.on("GET", "/api/account/crypto", resp(200, {"data": {"type": "disabled"}}))
    # the check after a lost password-change answer: the new password does not work
    t.on("GET", "/jmap/session", resp(401, {"title": "Unauthorized"}))
    acc = run(stalwart.sign_in(ORIGIN, Basic("alice@example.com", "correct horse battery staple"), t))
    return acc, t


def typed(coro):
    try:
        return run(coro)
    except StalwartError:
        return None


@FUZZ
@given(st.lists(json_values, min_size=5, max_size=5), st.booleans())
def test_state_from_any_get_answers(args, forbidden_first):
    acc, t = signed_in()
    by_cid = dict(zip(GOOD_STATE, args))

    def args_for(cid, name):
        a = by_cid.get(cid, {})
        if forbidden_first and cid == "r.pw":
            return ("error", {"type": "forbidden"})
        return a if isinstance(a, dict) else ("error", {"type": a if isinstance(a, str) else "x"})
    t.routes[("POST", "/jmap/")] = [jmap_from(args_for)]
    st_ = typed(acc.load())
    if st_ is not None:
        assert isinstance(st_, SecurityState)
        for f in (st_.app_passwords, st_.api_keys):
            assert (f.items is None) == (f.count is None)
            assert f.items is not None or not f.access.ok


@FUZZ
@given(json_values, json_values)
def test_actions_with_any_set_answer(set_args, other):
    acc, t = signed_in()

    def args_for(cid, name):
        if cid in ("s", "k", "e"):
            return set_args if isinstance(set_args, dict) else ("error", {"type": str(set_args)[:10]})
        return GOOD_STATE.get(cid, other if isinstance(other, dict) else {})
    t.routes[("POST", "/jmap/")] = [jmap_from(args_for)]
    for action in (lambda: acc.create_app_password("Phone"), lambda: acc.revoke_app_password("b"),
                   lambda: acc.change_password("correct horse battery staple",
                                               "Tangerine orbit lighthouse 73!"),
                   acc.disable_encryption):
        out = typed(action())
        assert out is None or isinstance(out, Outcome)


@FUZZ
@given(json_values, st.sampled_from([200, 400, 401, 403, 404, 429, 500, 503]))
def test_actions_with_any_http_answer(body, status):
    acc, t = signed_in()
    t.routes[("POST", "/jmap/")] = [resp(status, body)]
    t.routes[("GET", "/jmap/session")] = [resp(status, body)]
    for action in (lambda: acc.create_api_key("CI"), lambda: acc.change_password(
            "correct horse battery staple", "Tangerine orbit lighthouse 73!")):
        out = typed(action())
        if out is not None:  # only a check that found the change in place may say so
            assert isinstance(out, Outcome)


@FUZZ
@given(json_values, json_values)
def test_legacy_state_and_actions_any_json(auth_body, crypto_body):
    acc, t = signed_in(False)
    t.routes[("GET", "/api/account/auth")] = [resp(200, auth_body)]
    t.routes[("GET", "/api/account/crypto")] = [resp(200, crypto_body)]
    t.routes[("POST", "/api/account/auth")] = [resp(200, auth_body)]
    st_ = typed(acc.load())
    assert st_ is None or isinstance(st_, SecurityState)
    out = typed(acc.create_app_password("Phone"))
    assert out is None or isinstance(out, Outcome)


@FUZZ
@given(st.lists(st.text(max_size=30) | st.integers(), max_size=6))
def test_any_permissions_list(perms):
    acc, _ = signed_in(perms=perms)
    st_ = acc.state
    assert isinstance(st_, SecurityState)
    assert st_.password.can("change") == ("sysAccountPasswordUpdate" in perms)
