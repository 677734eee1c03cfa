"""Session discovery, the request envelope and every HTTP / JMAP error shape."""
from __future__ import annotations

import pytest

from app import i18n, jmap
from app.auth import Basic
from app.errors import (AuthRequired, BadRequest, CannotReach, EndpointNotFound, Forbidden,
                        InvalidInput, MethodError, MfaRequired, ProtocolError, RateLimited,
                        ServerError, SetError)
from client_fakes import (ORIGIN, FakeTransport, down, jmap_answer, problem, resp, run,
                          session, with_session)

AUTH = Basic("alice@example.com", "correct horse battery staple").authorization_header()


@pytest.mark.parametrize("typed,origin", [
    ("mail.example.com", "https://mail.example.com"),
    ("https://Mail.Example.com/", "https://mail.example.com"),
    ("https://mail.example.com/jmap/session?x=1#y", "https://mail.example.com"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("  https://[::1]:443/ ", "https://[::1]"),           # the default port is not part of an origin
])
def test_normalize_server(typed, origin):
    assert jmap.normalize_server(typed) == origin


def test_normalize_server_says_use_https_for_plain_http_to_another_computer():
    with pytest.raises(InvalidInput) as e:
        jmap.normalize_server("http://mail.example.com")
    assert e.value.key == "ui.server.need_https" and e.value.field == "server"


@pytest.mark.parametrize("bad", ["", "   ", "ftp://x", "https://user:pw@mail.example.com",
                                 "https://host:99999", "https://"])
def test_normalize_server_rejects(bad):
    with pytest.raises(InvalidInput) as e:
        jmap.normalize_server(bad)
    assert e.value.key == "err.input.server"


def test_discover_follows_redirect_with_authorization():
    t = with_session(FakeTransport())
    s = run(jmap.discover_session("mail.example.com", AUTH, t))
    assert len(t.requests) == 1
    r = t.requests[0]
    assert (r.method, r.url) == ("GET", ORIGIN + "/.well-known/jmap")
    assert r.headers == {"Authorization": AUTH, "Accept": "application/json"}
    assert s.is_stalwart and s.generation == "0.16"
    assert s.account_id == "b" and s.username == "alice@example.com"
    assert s.api_url == ORIGIN + "/jmap/"
    assert s.using == ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]


def test_discover_manual_redirect():
    t = FakeTransport().on("GET", "/.well-known/jmap",
                           resp(307, None, {"location": "/jmap/session"}))
    t.on("GET", "/jmap/session", resp(200, session(False)))
    s = run(jmap.discover_session(ORIGIN, AUTH, t))
    assert [r.path for r in t.requests] == ["/.well-known/jmap", "/jmap/session"]
    assert all(r.headers["Authorization"] == AUTH for r in t.requests)
    assert not s.is_stalwart and s.generation == "legacy"
    assert s.using == ["urn:ietf:params:jmap:core"]


def test_discover_anonymous_session_retries_directly():
    anon = {"capabilities": {}, "accounts": {}, "primaryAccounts": {}, "username": "",
            "apiUrl": ORIGIN + "/jmap/"}
    t = FakeTransport().on("GET", "/.well-known/jmap", resp(200, anon))
    t.on("GET", "/jmap/session", resp(200, session()))
    s = run(jmap.discover_session(ORIGIN, AUTH, t))
    assert s.is_stalwart and len(t.requests) == 2


def test_discover_anonymous_twice_is_auth_required():
    anon = {"accounts": {}, "apiUrl": ORIGIN + "/jmap/"}
    t = FakeTransport().on("GET", "/.well-known/jmap", resp(200, anon))
    t.on("GET", "/jmap/session", resp(200, anon))
    with pytest.raises(AuthRequired):
        run(jmap.discover_session(ORIGIN, AUTH, t))


def test_api_url_on_other_host_is_rebased_onto_typed_origin():
    t = with_session(FakeTransport(), api_url="https://mx.internal.example:8443/jmap/")
    s = run(jmap.discover_session("http://127.0.0.1:8080", AUTH, t))
    assert s.api_url == "http://127.0.0.1:8080/jmap/"
    assert s.advertised_api_url == "https://mx.internal.example:8443/jmap/"


def test_stalwart_capability_only_counts_in_account_capabilities():
    doc = session(False)
    doc["capabilities"]["urn:stalwart:jmap"] = {}
    s = jmap.parse_session(doc, ORIGIN)
    assert not s.is_stalwart


def test_envelope_legacy_never_uses_stalwart_urn():
    legacy = jmap.parse_session(session(False), ORIGIN)
    t = FakeTransport().on("POST", "/jmap/", jmap_answer(lambda n, a, c: {}))
    run(jmap.post(legacy, AUTH, t, [("Core/echo", {"x": 1})]))
    body = t.last().json()
    assert body == {"using": ["urn:ietf:params:jmap:core"],
                    "methodCalls": [["Core/echo", {"x": 1}, "c0"]]}
    assert "urn:stalwart:jmap" not in t.last().body.decode()
    assert t.last().headers == {"Authorization": AUTH, "Accept": "application/json",
                                "Content-Type": "application/json"}


def test_batching_call_ids_and_responses():
    s = jmap.parse_session(session(), ORIGIN)
    t = FakeTransport().on("POST", "/jmap/", jmap_answer(
        lambda n, a, c: ("error", {"type": "forbidden", "description": "no"})
        if c == "b" else {"n": n}))
    r = run(jmap.post(s, AUTH, t, [("x:A/get", {}, "a"), ("x:B/get", {}, "b"), ("x:C/get", {})]))
    assert [c[2] for c in t.last().calls] == ["a", "b", "c2"]
    assert r.get("a") == {"n": "x:A/get"}
    with pytest.raises(MethodError) as e:
        r.get("b")
    assert e.value.error_type == "forbidden" and e.value.server_text == "no"
    with pytest.raises(ProtocolError):
        r.get("zzz")


# ----- HTTP error shapes ----------------------------------------------------------------------
HTTP_CASES = [
    (problem(401, "Unauthorized", "You have to authenticate first."), AuthRequired,
     "err.auth_required"),
    (problem(402, "MFA code required", "This account requires multi-factor authentication. "
             "Alternatively, you can use an app password if your account has one."),
     MfaRequired, "err.mfa_required"),
    (problem(402, "TOTP code required", "A TOTP code is required to authenticate this "
             "account. Try authenticating again using 'secret$totp_token'."),
     MfaRequired, "err.totp_required"),
    (problem(403, "Forbidden", "You do not have enough permissions to access this resource."),
     Forbidden, "err.forbidden_http"),
    (problem(429, "Too Many Authentication Attempts", "Wait"), RateLimited, "err.rate_limited"),
    (problem(500, "Internal Server Error", "boom"), ServerError, "err.server"),
    (resp(502, raw=b"<html>bad gateway</html>"), ServerError, "err.server"),
    (problem(400, "Invalid request", "x", "urn:ietf:params:jmap:error:notRequest"), BadRequest,
     "err.bad_request"),
    (problem(400, "Invalid JSON", "x", "urn:ietf:params:jmap:error:notJSON"), BadRequest,
     "err.bad_request"),
    (problem(404, "Not Found", "x"), EndpointNotFound, "err.not_found_endpoint"),
    (resp(200, raw=b"{not json"), ProtocolError, "err.protocol"),
    (resp(200, raw=b"\xff\xfe"), ProtocolError, "err.protocol"),
    (resp(200, {"methodResponses": [["x", {}, 1]]}), ProtocolError, "err.protocol"),
    (resp(200, ["not", "an", "object"]), ProtocolError, "err.protocol"),
]


@pytest.mark.parametrize("answer,cls,key", HTTP_CASES)
def test_http_errors_on_jmap_post(answer, cls, key):
    s = jmap.parse_session(session(), ORIGIN)
    t = FakeTransport().on("POST", "/jmap/", answer)
    with pytest.raises(cls) as e:
        run(jmap.post(s, AUTH, t, [("x:AccountPassword/get", {})]))
    assert e.value.key == key
    assert e.value.message == i18n.t(key, "en", **e.value.params)
    assert "correct horse" not in e.value.message


@pytest.mark.parametrize("answer,cls,key", HTTP_CASES[:10])
def test_http_errors_on_discovery(answer, cls, key):
    t = FakeTransport().on("GET", "/.well-known/jmap", answer)
    with pytest.raises(cls) as e:
        run(jmap.discover_session(ORIGIN, AUTH, t))
    assert e.value.key == key


def test_mfa_generation_and_server_text():
    t = FakeTransport().on("GET", "/.well-known/jmap", HTTP_CASES[1][0])
    with pytest.raises(MfaRequired) as e:
        run(jmap.discover_session(ORIGIN, AUTH, t))
    assert e.value.generation == "0.16"
    assert e.value.server_text.startswith("This account requires multi-factor")
    t = FakeTransport().on("GET", "/.well-known/jmap", HTTP_CASES[2][0])
    with pytest.raises(MfaRequired) as e:
        run(jmap.discover_session(ORIGIN, AUTH, t))
    assert e.value.generation == "legacy"


def test_network_error_is_cannot_reach_with_cors_settings():
    t = FakeTransport().on("GET", "/.well-known/jmap", down())
    with pytest.raises(CannotReach) as e:
        run(jmap.discover_session("mail.example.com", AUTH, t))
    err = e.value
    assert err.origin == ORIGIN and err.key == "err.cannot_reach"
    assert ORIGIN in err.message
    assert "x:Http.usePermissiveCors" in err.message and "http.permissive-cors" in err.message


def test_network_error_on_post():
    s = jmap.parse_session(session(), ORIGIN)
    t = FakeTransport().on("POST", "/jmap/", down())
    with pytest.raises(CannotReach):
        run(jmap.post(s, AUTH, t, [("x:A/get", {})]))


# ----- method errors and SetErrors ------------------------------------------------------------
@pytest.mark.parametrize("type_,key", [
    ("forbidden", "err.method.forbidden"), ("unknownMethod", "err.method.unknown_method"),
    ("serverUnavailable", "err.method.server_unavailable"),
    ("invalidArguments", "err.method.invalid_arguments"),
    ("requestTooLarge", "err.method.request_too_large"), ("somethingNew", "err.method.other"),
])
def test_method_error_keys(type_, key):
    r = jmap.parse_responses({"methodResponses": [["error", {"type": type_,
                                                              "description": "words"}, "c0"]]})
    err = r.error("c0")
    assert err.key == key and err.server_text == "words" and err.error_type == type_


def test_method_error_names_permission():
    e = MethodError("forbidden", "You are not authorized", permission="sysApiKeyCreate")
    assert e.key == "err.method.forbidden_permission" and "sysApiKeyCreate" in e.message


SET_CASES = [
    ({"type": "invalidProperties", "properties": ["secret"],
      "description": "Password must be at least 8 characters long."}, "err.set.invalid_properties"),
    ({"type": "invalidPatch", "description": "Cannot modify server set property",
      "properties": ["secret"]}, "err.set.invalid_patch"),
    ({"type": "validationFailed", "validationErrors": [{"type": "Required",
                                                         "property": "description"}]},
     "err.set.validation_failed"),
    ({"type": "overQuota", "description": "You have exceeded your quota of 5 app passwords."},
     "err.quota"),
    ({"type": "objectIsLinked", "objectId": "x", "linkedObjects": []}, "err.set.object_is_linked"),
    ({"type": "singleton", "description": "Singletons cannot be created or destroyed."},
     "err.set.singleton"),
    ({"type": "notFound"}, "err.set.not_found"),
    ({"type": "invalidForeignKey"}, "err.set.invalid_foreign_key"),
    ({"type": "forbidden", "description": "Users are not allowed to destroy their own "
      "credentials."}, "err.set.forbidden"),
    ({"type": "primaryKeyViolation"}, "err.set.other"),
    ("garbage", "err.set.other"),
]


@pytest.mark.parametrize("raw,key", SET_CASES)
def test_set_error_keys(raw, key):
    res = jmap.parse_set({"accountId": "b", "notCreated": {"k": raw}, "notUpdated": {"u": raw},
                          "notDestroyed": {"d": raw}})
    for fn, target in ((res.require_created, "k"), (res.require_updated, "u"),
                       (res.require_destroyed, "d")):
        with pytest.raises(SetError) as e:
            fn(target)
        assert e.value.key == key and e.value.target == target
        if isinstance(raw, dict) and raw.get("description"):
            assert e.value.server_text == raw["description"]


def test_validation_errors_are_described():
    e = jmap.parse_set_error({"type": "validationFailed", "validationErrors": [
        {"type": "Required", "property": "description"},
        {"type": "MaxLength", "property": "key"}]})
    assert e.properties == ["description", "key"]
    assert "description is required" in e.message and "key is too long" in e.message
    assert len(e.validation_errors) == 2


def test_set_missing_confirmation_is_protocol_error():
    res = jmap.parse_set({"accountId": "b"})
    with pytest.raises(ProtocolError):
        res.require_created("k")
    with pytest.raises(ProtocolError):
        res.require_updated("singleton")
    with pytest.raises(ProtocolError):
        res.require_destroyed("c")


def test_every_error_class_has_a_message():
    import app.errors as E
    english = i18n.catalogue("en")
    for cls in (E.AuthRequired, E.Forbidden, E.ServerError, E.EndpointNotFound):
        assert cls.key in english

def test_sign_in_diagnoses_cors_when_server_is_up():
    from app import stalwart
    t = FakeTransport().on("GET", "/.well-known/jmap", down())
    t.on("GET", "/.well-known/oauth-authorization-server", resp(200, {}))
    with pytest.raises(CannotReach) as e:
        run(stalwart.sign_in(ORIGIN, Basic("a", "b"), t))
    assert e.value.cause == "cors" and e.value.key == "err.cannot_reach_cors"
    assert "x:Http.usePermissiveCors" in e.value.message and ORIGIN in e.value.message
    assert "Authorization" not in t.last().headers
    t = FakeTransport().on("GET", "/.well-known/jmap", down())
    t.on("GET", "/.well-known/oauth-authorization-server", down())
    with pytest.raises(CannotReach) as e:
        run(stalwart.sign_in(ORIGIN, Basic("a", "b"), t))
    assert e.value.cause == "unknown" and e.value.key == "err.cannot_reach"
