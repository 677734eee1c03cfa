"""Hypothesis: any JSON (or bytes) from the server gives a result or a typed
``StalwartError`` the user can read (a catalogue text with every placeholder
filled, in English and German), never a raw exception or a bare message key."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import auth, i18n, jmap
from app.errors import StalwartError
from app.http import Response
from client_fakes import ORIGIN, FakeTransport, resp, run, session

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(
    max_size=12) | st.sampled_from(["singleton", "****", "Disabled", "Aes256", "forbidden",
                                    "error", "c0", "pw", "app", "b", "@type", "sMIME", "pGP"])
keys = st.text(max_size=8) | st.sampled_from([
    "list", "id", "type", "otpAuth", "otpUrl", "created", "notCreated", "updated", "destroyed",
    "notUpdated", "notDestroyed", "encryptionAtRest", "@type", "publicKey", "description",
    "accounts", "apiUrl", "accountCapabilities", "primaryAccounts", "urn:stalwart:jmap",
    "methodResponses", "data", "error", "details", "otpEnabled", "appPasswords", "algo",
    "certs", "access_token", "expires_in", "refresh_token", "allowedIps", "emailAddresses",
    "validationErrors", "properties", "secret", "username"])
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(keys, inner, max_size=5), max_leaves=25)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expect_typed(coro_or_fn):
    try:
        return coro_or_fn() if callable(coro_or_fn) else run(coro_or_fn)
    except StalwartError as e:
        assert_plain_words(e)
        return None


def assert_plain_words(e: StalwartError) -> None:
    # what the page shows is i18n.translate(e): a known key whose template
    # gets every value it names, so no "{status}" or "err.x" reaches the user
    for lang in ("en", "de"):
        assert i18n.has(e.key, lang), (lang, e.key)
        wanted = set(_PLACEHOLDER.findall(i18n.t(e.key, lang)))
        assert wanted <= set(e.params), (lang, e.key, wanted, e.params)
        assert i18n.translate(e, lang).strip()
    assert e.message and e.message != e.key


@FUZZ
@given(json_values)
def test_parse_session_any_json(data):
    s = expect_typed(lambda: jmap.parse_session(data, ORIGIN))
    if s is not None:
        assert s.api_url.startswith(ORIGIN + "/")


@FUZZ
@given(json_values, st.sampled_from(["c0", "pw", "s0", "x"]))
def test_parse_responses_any_json(data, cid):
    r = expect_typed(lambda: jmap.parse_responses(data))
    if r is not None:
        expect_typed(lambda: r.get(cid))
        expect_typed(lambda: r.error(cid))


@FUZZ
@given(json_values, st.sampled_from(["new", "singleton", "b"]))
def test_parse_set_any_json(data, target):
    r = expect_typed(lambda: jmap.parse_set(data))
    if r is not None:
        for fn in (r.require_created, r.require_updated, r.require_destroyed):
            expect_typed(lambda: fn(target))


@FUZZ
@given(st.binary(max_size=64), st.integers(min_value=100, max_value=599))
def test_any_bytes_any_status(raw, status):
    t = FakeTransport().on("GET", "/.well-known/jmap", Response(status, {}, raw))
    t.on("GET", "/jmap/session", Response(status, {}, raw))
    expect_typed(jmap.discover_session(ORIGIN, "Basic x", t))
    s = jmap.parse_session(session(), ORIGIN)
    t.on("POST", "/jmap/", Response(status, {}, raw))
    expect_typed(jmap.post(s, "Basic x", t, [("x:A/get", {})]))


@FUZZ
@given(json_values, st.sampled_from([200, 400, 401, 500]))
def test_token_endpoint_any_json(body, status):
    _, pending = auth.begin_authorization(ORIGIN, "https://app/cb")
    t = FakeTransport().on("POST", "/auth/token", resp(status, body))
    expect_typed(auth.complete_authorization(pending, {"code": "c", "state": pending.state}, t))
    t.on("POST", "/auth/device", resp(status, body))
    expect_typed(auth.start_device_flow(ORIGIN, t))
    t.on("GET", "/.well-known/oauth-authorization-server", resp(status, body))
    expect_typed(auth.discover(ORIGIN, t))


@FUZZ
@given(st.text(max_size=40))
def test_normalize_any_text(text):
    expect_typed(lambda: jmap.normalize_server(text))


@FUZZ
@given(st.text(max_size=30), st.text(max_size=10),
       st.sampled_from([301, 302, 307, 308, 404, 429]), st.text(max_size=20))
def test_headers_and_urls_any_text(location, retry_after, status, url):
    t = FakeTransport(Response(404, {}, b"")).on("GET", "/.well-known/jmap", Response(
        status, {"location": location, "retry-after": retry_after}, b"", url or "x"))
    t.on("GET", "/jmap/session", Response(404, {"retry-after": retry_after}, b"{}", url))
    expect_typed(jmap.discover_session(ORIGIN, "Basic x", t))


@FUZZ
@given(st.text(max_size=60))
def test_redirect_query_and_pending_any_text(text):
    q = auth.parse_query(text)
    _, pending = auth.begin_authorization(ORIGIN, "https://app/cb")
    expect_typed(auth.complete_authorization(pending, q, FakeTransport()))
    expect_typed(lambda: auth.PendingAuthorization.from_json(text))


@FUZZ
@given(st.text(max_size=40) | st.binary(max_size=30).map(
    lambda b: __import__("base64").b64encode(b).decode()))
def test_legacy_app_name_any_text(name):
    from app.stalwart.legacy import decode_app_name
    ap = decode_app_name(name)
    assert ap.id == name and isinstance(ap.description, str)
