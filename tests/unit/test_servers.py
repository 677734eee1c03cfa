"""app.servers: the host's config.json as the page reads it, which server a
sign-in uses (link, config, remembered), and the kept token's origin."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import servers as S
from app.auth import Bearer
from app.errors import InvalidInput

A, B, C = "https://mail.example.com", "https://mx2.example.org:8443", "http://127.0.0.1:9000"
EVIL = "https://evil.example"


# ------------------------------------------------------------- config.json
def test_a_missing_file_is_open_mode():
    cfg = S.config_from_response(404, b"<html>Not Found</html>")
    assert cfg.mode == S.OPEN and cfg.usable and not cfg.bound and cfg.servers == ()


def test_an_empty_list_is_open_mode():
    assert S.config_from_response(200, b'{"servers": []}').mode == S.OPEN


def test_one_or_more_servers_bind_the_page_in_order_without_duplicates():
    cfg = S.config_from_response(200, json.dumps({"servers": [B, A, B]}).encode())
    assert cfg.mode == S.BOUND and cfg.servers == (B, A)
    assert cfg.allows(A) and cfg.allows(B) and not cfg.allows(EVIL) and not cfg.allows(A + "/")


HOSTILE_CONFIGS = [
    b"", b"not json", b"{", b"null", b"[]", b'["https://mail.example.com"]', b'"servers"',
    b'{"server": ["https://mail.example.com"]}',             # the typo must not unbind the page
    b'{"servers": ["https://mail.example.com"], "open": true}',
    b'{"servers": "https://mail.example.com"}', b'{"servers": null}', b'{"servers": {}}',
    b'{}', b'{"servers": [1]}', b'{"servers": [null]}', b'{"servers": [""]}',
    b'{"servers": ["https://mail.example.com/"]}', b'{"servers": ["mail.example.com"]}',
    b'{"servers": ["http://mail.example.com"]}', b'{"servers": ["https://m\xc3\xa4il.example"]}',
    b'{"servers": ["https://x; frame-ancestors *"]}', b'{"servers": ["https://*"]}',
    b'{"servers": ["https://mail.example.com", "javascript:alert(1)"]}',
    b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000, b'{"servers": []}' + b" " * (64 * 1024),
]


@pytest.mark.parametrize("body", HOSTILE_CONFIGS)
def test_a_file_that_cannot_be_used_closes_sign_in(body):
    cfg = S.config_from_response(200, body)
    assert cfg.mode == S.BROKEN and not cfg.usable
    assert not cfg.allows(A) and not cfg.allows(EVIL)
    assert cfg.problem.startswith("config.json ") and "\n" not in cfg.problem and len(cfg.problem) < 200
    assert S.choose(cfg, A, A) == S.Choice()


@pytest.mark.parametrize("status", [0, 201, 204, 301, 401, 403, 500, 502, 503])
def test_any_other_answer_than_200_or_404_closes_sign_in(status):
    cfg = S.config_from_response(status, b'{"servers": []}')
    assert cfg.mode == S.BROKEN and str(status) in cfg.problem


def test_the_reason_names_the_bad_entry_for_the_admin():
    cfg = S.config_from_response(200, b'{"servers": ["https://a.example", "https://b.example/"]}')
    assert 'entry 2 of "servers"' in cfg.problem


def test_no_answer_uses_what_this_browser_read_last_time_never_open_by_default():
    bound = S.Config(S.BOUND, (A,))
    assert S.config_without_answer(bound.to_json()) == bound
    assert S.config_without_answer(S.Config(S.OPEN).to_json()).mode == S.OPEN
    for remembered in (None, "", "garbage", '{"servers": "x"}'):
        assert S.config_without_answer(remembered).mode == S.BROKEN


# ------------------------------------------------------------- what the user types or a link carries
@pytest.mark.parametrize("raw,origin", [
    ("mail.example.com", A), ("  https://Mail.Example.COM/jmap?x#y ", A), ("https://mail.example.com:443", A),
    ("mail.example.com.", A), ("mx2.example.org:8443", B), ("http://127.0.0.1:9000/", C),
    ("[::1]:8443", "https://[::1]:8443"), ("http://[0:0::1]", "http://[::1]"),
    ("mail.ex\u0430mple.com", "https://mail.xn--exmple-4nf.com"),       # Cyrillic а: never shown as "example"
    ("https://M\u00dcNCHEN.de", "https://xn--mnchen-3ya.de"),
])
def test_typed_addresses_become_the_origin_the_browser_connects_to(raw, origin):
    assert S.canonical_origin(raw) == origin
    assert S.parse_origin(origin) == origin  # what a link or a typed address gives is a valid setting


@pytest.mark.parametrize("raw", [
    "", "   ", "javascript:alert(1)", "data:text/html,x", "ftp://mail.example.com", "https://",
    "https://user:pw@mail.example.com", "https://x; frame-ancestors *", "https://x;frame-ancestors",
    "https://mail.example.com:99999", "https://mail.example.com:abc", "https://a..b", "https://-a.example",
    "https://" + "a" * 64 + ".example", "https://mail_server.example", "https://[::1", "https://*.example.com",
    "https://exa mple.com", "https://mail.example.com\u202e", "\u202ehttps://x", "https://%65vil.example",
])
def test_anything_else_is_refused_as_not_a_server_address(raw):
    with pytest.raises(InvalidInput) as e:
        S.canonical_origin(raw)
    assert e.value.key == "err.input.server" and e.value.field == "server"


def test_plain_http_to_another_computer_says_use_https():
    with pytest.raises(InvalidInput) as e:
        S.canonical_origin("http://mail.example.com")
    assert e.value.key == "ui.server.need_https"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_whatever_is_typed_is_refused_for_the_server_field_or_a_valid_setting(raw):
    try:
        o = S.canonical_origin(raw)
    except InvalidInput as e:
        assert e.field == "server" and e.key in ("err.input.server", "ui.server.need_https")
        return
    assert S.parse_origin(o) == o and o.isascii()


def test_shown_is_the_ascii_host_and_says_when_it_is_not_encrypted():
    assert S.shown("https://mail.xn--exmple-4nf.com") == "mail.xn--exmple-4nf.com"
    assert S.shown(B) == "mx2.example.org:8443"
    assert S.shown(C) == "http://127.0.0.1:9000"


# ------------------------------------------------------------- which server sign-in starts with
BOUND1 = S.Config(S.BOUND, (A,))
BOUND2 = S.Config(S.BOUND, (A, B))
OPEN = S.Config(S.OPEN)


@pytest.mark.parametrize("cfg", [BOUND1, BOUND2])
@pytest.mark.parametrize("linked", [EVIL, "https://mail.example.com.evil.example", A + "@evil.example",
                                    "https://evil.example/?" + A, "http://mail.example.com", "garbage",
                                    "https://mail.example.com:444", "javascript:alert(1)"])
def test_bound_a_link_to_any_other_server_is_ignored_and_said(cfg, linked):
    c = S.choose(cfg, linked, None)
    assert c.server == A and c.ignored


def test_bound_a_link_may_pick_a_listed_server_in_any_spelling():
    assert S.choose(BOUND2, B, A) == S.Choice(B)
    assert S.choose(BOUND2, "MX2.example.org:8443/", None) == S.Choice(B)


def test_bound_the_remembered_server_only_while_it_is_listed():
    assert S.choose(BOUND2, None, B) == S.Choice(B, remembered=True)
    assert S.choose(BOUND2, None, EVIL) == S.Choice(A)
    assert S.choose(BOUND2, EVIL, B) == S.Choice(B, ignored=True, remembered=True)


def test_open_a_link_only_prefills_and_beats_the_remembered_one():
    assert S.choose(OPEN, "mail.ex\u0430mple.com", A) == S.Choice("https://mail.xn--exmple-4nf.com")
    assert S.choose(OPEN, None, A) == S.Choice(A, remembered=True)
    assert S.choose(OPEN, None, None) == S.Choice()
    assert S.choose(OPEN, "", None) == S.Choice()


def test_open_a_link_that_is_not_a_server_address_is_ignored_and_said():
    assert S.choose(OPEN, "https://x; frame-ancestors *", None) == S.Choice("", ignored=True)
    assert S.choose(OPEN, "javascript:alert(1)", A) == S.Choice(A, ignored=True, remembered=True)


def test_open_allows_any_plain_origin_but_nothing_else():
    assert OPEN.allows(EVIL) and OPEN.allows(C)
    assert not OPEN.allows("https://x; frame-ancestors *") and not OPEN.allows(A + "/")


# ------------------------------------------------------------- the kept token
TOKEN = {"kind": "oauth", "token": "tok", "refresh_token": "ref", "expires_at": 2e9, "server": A}


def test_a_kept_token_is_used_with_the_server_that_issued_it():
    creds = S.kept_session(TOKEN, A)
    assert isinstance(creds, Bearer) and creds.token == "tok" and creds.refresh_token == "ref"


@pytest.mark.parametrize("server", [EVIL, B, A + "/", "https://MAIL.example.com", "", "https://mail.example.co"])
def test_a_kept_token_never_goes_to_another_server(server):
    assert S.kept_session(TOKEN, server) is None


@pytest.mark.parametrize("data", [None, "tok", [], {**TOKEN, "server": None}, {k: v for k, v in TOKEN.items() if k != "server"},
                                  {**TOKEN, "server": [A]}, {**TOKEN, "kind": "basic"}, {**TOKEN, "token": ""},
                                  {"kind": "app_password", "login": "alice", "secret": "s"}])
def test_a_kept_token_without_its_server_is_not_used(data):
    assert S.kept_session(data, A) is None


def test_a_kept_api_key_or_app_password_goes_to_its_server_only():
    key = {"kind": "apikey", "token": "API_x", "server": A}
    assert S.kept_session(key, A) == Bearer("API_x", kind="apikey")
    assert S.kept_session(key, B) is None
    app = {"kind": "app_password", "login": "alice", "secret": "app_x", "server": A}
    assert S.kept_session(app, A).secret == "app_x" and S.kept_session(app, EVIL) is None


# ------------------------------------------------------------- a connection the page's CSP blocked
def test_a_blocked_listed_server_asks_for_the_policy_not_for_config_json():
    """Bound mode: config.json lists A, so a block of A means the policy's
    connect-src lacks it (the page follows no redirect, so no redirect meets
    the policy); a server the file does not list is missing in both."""
    bound = S.config_from_response(200, json.dumps({"servers": [A, B]}).encode())
    assert S.blocked_by_policy(bound, A) == "ui.csp.listed_not_allowed"
    assert S.blocked_by_policy(bound, B) == "ui.csp.listed_not_allowed"
    assert S.blocked_by_policy(bound, EVIL) == "ui.csp.blocked"
    assert S.blocked_by_policy(bound, A + ":444") == "ui.csp.blocked"  # another origin
    # open mode: any https server may be typed; an http one is outside its policy
    open_ = S.config_from_response(404, b"")
    assert S.blocked_by_policy(open_, C) == "ui.csp.blocked"
    assert S.blocked_by_policy(open_, A) == "ui.csp.blocked"
    broken = S.config_from_response(500, b"")
    assert S.blocked_by_policy(broken, A) == "ui.csp.blocked"


def test_a_blocked_provider_that_config_json_lists_asks_for_the_policy():
    body = {"servers": [A], "sso": {A: {"client_id": "page", "issuers": ["https://id.example.org/realms/x"]}}}
    bound = S.config_from_response(200, json.dumps(body).encode())
    assert bound.bound
    assert S.blocked_by_policy(bound, "https://id.example.org") == "ui.csp.listed_not_allowed"
    assert S.blocked_by_policy(bound, "https://id.example.net") == "ui.csp.blocked"
