"""No redirect is followed on a request to the mail server: the transports
return it as the answer and ``app.jmap.send`` makes it ``Redirected``, which
names what the server answered (status and target when the transport could
see them; the browser shows neither). Against the contract server's redirect
fault (``srv.faults.set(redirect=307)``, pointing at ``srv.elsewhere``, a
second origin it runs and records): nothing reaches the other origin, the
change is not made, and nothing is re-read or re-sent."""
from __future__ import annotations

import pytest

from app import i18n, jmap, stalwart
from app.auth import Basic
from app.errors import CannotReach, Redirected
from app.http import Response, urllib_fetch
from client_fakes import ORIGIN, FakeTransport, resp, run, session
from test_against_fake import ALICE, ALICE_PW, L_ALICE, NEW_PW

CHANGE_PATH = {"0.16": "/jmap/", "legacy": "/api/account/auth"}


@pytest.fixture(params=["0.16", "legacy"])
def server(request, srv016, srvlegacy):
    return srv016 if request.param == "0.16" else srvlegacy


def _login(srv) -> str:
    return L_ALICE if srv.legacy else ALICE


# --- the transports ------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_cpython_transport_returns_a_redirect_as_the_answer(srv016, status):
    srv016.faults.set(path_prefix="/api/account", redirect=status, times=2)
    url = srv016.url + "/api/account"
    r = run(urllib_fetch("POST", url, {"Content-Type": "application/json"}, b'{"secret": 1}'))
    assert r.status == status and r.is_redirect and not r.opaque_redirect
    assert r.header("location") == srv016.elsewhere.url + "/api/account"
    assert srv016.elsewhere.requests == []
    # the control: the same answer followed (only the page's own config.json is read so)
    run(urllib_fetch("GET", url, {}, None, follow_redirects=True))
    assert [(m, p) for m, p, _, _ in srv016.elsewhere.requests] == [("GET", "/api/account")]


def test_what_counts_as_a_redirect():
    assert all(Response(s).is_redirect for s in (300, 301, 302, 303, 307, 308, 399))
    assert not any(Response(s).is_redirect for s in (200, 204, 304, 400, 401, 404, 500))
    assert Response(0, opaque_redirect=True).is_redirect  # the browser's "opaqueredirect"
    assert not Response(0).is_redirect


# --- the typed error -----------------------------------------------------------------------------
def test_a_redirect_the_browser_hides_names_no_status_and_no_target():
    s = jmap.parse_session(session(), ORIGIN)
    t = FakeTransport().on("POST", "/jmap/", Response(0, {}, b"", ORIGIN + "/jmap/", opaque_redirect=True))
    with pytest.raises(Redirected) as e:
        run(jmap.post(s, "Basic x", t, [("x:A/get", {})]))
    err = e.value
    assert (err.key, err.params, err.target, err.status) == (
        "err.redirected", {"origin": ORIGIN, "status": "3xx"}, None, None)
    assert not err.retryable
    text = i18n.translate(err, "en")
    assert ORIGIN in text and "HTTP 3xx" in text and "does not follow redirects" in text
    assert "{" not in text and all("{" not in i18n.translate(err, lang) for lang in i18n.LANGUAGES)


def test_a_redirect_cpython_sees_names_the_status_and_the_target_origin():
    s = jmap.parse_session(session(), ORIGIN)
    t = FakeTransport().on("POST", "/jmap/", resp(307, None, {"location": "https://evil.example:8443/x?y"}))
    with pytest.raises(Redirected) as e:
        run(jmap.post(s, "Basic x", t, [("x:A/get", {})]))
    assert (e.value.key, e.value.params) == (
        "err.redirected_to", {"origin": ORIGIN, "status": "307", "target": "https://evil.example:8443"})
    t = FakeTransport().on("POST", "/jmap/", resp(302, None, {"location": "/elsewhere"}))
    with pytest.raises(Redirected) as e:  # a relative Location: the same origin, still not followed
        run(jmap.post(s, "Basic x", t, [("x:A/get", {})]))
    assert e.value.params["target"] == ORIGIN and len(t.requests) == 1
    t = FakeTransport().on("POST", "/jmap/", resp(303, None, {}))
    with pytest.raises(Redirected) as e:  # no Location at all
        run(jmap.post(s, "Basic x", t, [("x:A/get", {})]))
    assert e.value.key == "err.redirected" and e.value.params["status"] == "303"


def test_the_session_redirect_is_followed_by_the_page_onto_the_same_origin_only():
    """/.well-known/jmap answers 307 (the contract). Not followed by the
    transport, the page asks the same origin's /jmap/session itself: with the
    browser's opaque answer it cannot see the Location; with CPython's it
    keeps its path but never its host."""
    opaque = Response(0, {}, b"", ORIGIN + "/.well-known/jmap", opaque_redirect=True)
    t = FakeTransport().on("GET", "/.well-known/jmap", opaque)
    t.on("GET", "/jmap/session", resp(200, session()))
    s = run(jmap.discover_session(ORIGIN, "Basic x", t))
    assert [r.url for r in t.requests] == [ORIGIN + "/.well-known/jmap", ORIGIN + "/jmap/session"]
    assert s.is_stalwart
    t = FakeTransport().on("GET", "/.well-known/jmap",
                           resp(307, None, {"location": "https://evil.example/jmap/session"}))
    t.on("GET", "/jmap/session", resp(200, session()))
    run(jmap.discover_session(ORIGIN, "Basic x", t))
    assert t.requests[-1].url == ORIGIN + "/jmap/session"
    # the session document itself redirected: an error, not a second hop
    t = FakeTransport().on("GET", "/.well-known/jmap", opaque)
    t.on("GET", "/jmap/session", Response(0, {}, b"", ORIGIN + "/jmap/session", opaque_redirect=True))
    with pytest.raises(Redirected):
        run(jmap.discover_session(ORIGIN, "Basic x", t))


# --- against the contract server -----------------------------------------------------------------
def test_a_password_change_answered_with_a_redirect_goes_nowhere_else(server):
    acc = run(stalwart.sign_in(server.url, Basic(_login(server), ALICE_PW), urllib_fetch))
    server.faults.set(path_prefix=CHANGE_PATH[server.generation], method="POST", redirect=307, times=1)
    before = len(server.requests)
    with pytest.raises(Redirected) as e:
        run(acc.change_password(ALICE_PW, NEW_PW, confirm=NEW_PW))
    err = e.value
    assert (err.origin, err.status, err.target) == (server.url, 307, server.elsewhere.url)
    assert err.key == "err.redirected_to" and err.params["target"] == server.elsewhere.url
    assert server.elsewhere.requests == []  # nothing went on: no password, no body
    # one request, the redirected one: no re-read, no resend (the answer was not lost)
    assert [(r.method, r.path) for r in server.requests[before:]] == [("POST", CHANGE_PATH[server.generation])]
    assert server.accounts[_login(server)].password == ALICE_PW  # not made
    run(stalwart.sign_in(server.url, Basic(_login(server), ALICE_PW), urllib_fetch))


def test_a_sign_in_answered_with_a_redirect_goes_nowhere_else(server):
    server.faults.set(path_prefix="/jmap/session", redirect=302)
    with pytest.raises(Redirected) as e:
        run(stalwart.sign_in(server.url, Basic(_login(server), ALICE_PW), urllib_fetch))
    assert e.value.target == server.elsewhere.url and server.elsewhere.requests == []
    assert not isinstance(e.value, CannotReach)  # an answer came: not "cannot reach" (CORS)
