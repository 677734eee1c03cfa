"""Single sign-on, below the UI (app.sso): the whole sign-in against a real
OpenID provider (tests/oidc, node oidc-provider) and the contract server in
OIDC-directory mode, driven through the provider's own login forms with plain
HTTP, every request to another origin passing a browser's CORS rules
(browserlike.cors_fetch). Then: token validation both ways (JWT by the
provider's keys, opaque by its userinfo), refresh at the provider, the
``state`` and ``iss`` checks, a provider that refuses CORS at its token
endpoint, and what SecurityState says about who manages the password."""
from __future__ import annotations

import dataclasses
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from app import auth, servers, sso, stalwart
from app.auth import Basic, Bearer
from app.errors import AuthRequired, OAuthError
from app.stalwart.state import (BY_OAUTH, CHANGE, CREATE, MANAGED_ELSEWHERE, TURN_ON,
                                UPLOAD_AND_ENABLE)
from browserlike import cors_fetch
from client_fakes import run
from test_against_fake import openssl_cert

from tests.fakestalwart import FakeStalwart
from tests.oidc import JWT_CLIENT, OPAQUE_CLIENT, TEST_OTHER_PAGE, TEST_PAGE

SAM = "sam@sso.example.com"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return openssl_cert(tmp_path_factory.mktemp("cert"))


@pytest.fixture
def srv_default(oidc_op):
    """0.16 whose default directory is the provider (every domain): opaque
    tokens reach it too (no email in them to pick a domain's directory)."""
    s = FakeStalwart(generation="0.16", cors=True)
    s.add_oidc_directory(oidc_op.issuer, domain=None)
    yield s.start()
    s.stop()


def start(srv, address=SAM, client_id=JWT_CLIENT, page=TEST_PAGE, fetch=None):
    """Up to the redirect: probe, discover, begin (the pending kept as JSON)."""
    fetch = fetch or cors_fetch(page)
    opts = run(auth.probe(srv.url, fetch))
    provider = run(sso.discover(srv.url, address, fetch, own_issuer=opts.metadata.issuer,
                                setting=sso.SsoSetting(client_id)))
    url, pending = sso.begin(provider, srv.url, page + "/", login_hint=address)
    return provider, url, sso.SsoPending.from_json(pending.to_json())


def sso_sign_in(srv, op, login="sam", client_id=JWT_CLIENT, page=TEST_PAGE):
    fetch = cors_fetch(page)
    provider, url, pending = start(srv, f"{login}@sso.example.com", client_id, page, fetch)
    back = op.sign_in(url, login)
    creds = run(sso.complete(pending, auth.parse_query(back), fetch))
    return creds, fetch


# =========================================================================================
# the whole sign-in
# =========================================================================================
def test_sso_user_signs_in_at_the_provider_and_uses_stalwart(srv_sso, oidc_op, cert):
    fetch = cors_fetch(TEST_PAGE)
    provider, url, pending = start(srv_sso, fetch=fetch)
    assert provider.issuer == oidc_op.issuer and provider.client_id == JWT_CLIENT
    assert provider.iss_parameter  # its own discovery promises iss (RFC 9207)
    q = parse_qs(urlsplit(url).query)
    assert url.startswith(oidc_op.issuer + "/auth?")
    assert q["code_challenge_method"] == ["S256"] and q["client_id"] == [JWT_CLIENT]
    assert q["redirect_uri"] == [TEST_PAGE + "/"] and q["login_hint"] == [SAM]
    assert q["scope"] == ["openid email profile offline_access"]
    assert q["state"] == [pending.state] and q["code_challenge"] == [auth.pkce_challenge(pending.code_verifier)]

    back = oidc_op.sign_in(url, "sam")
    creds = run(sso.complete(pending, auth.parse_query(back), fetch))
    assert isinstance(creds, Bearer) and creds.kind == "oauth" and creds.refresh_token
    assert creds.provider == provider and creds.token.count(".") == 2  # a JWT for Stalwart

    acc = run(stalwart.sign_in(srv_sso.url, creds, fetch))
    st = acc.state
    assert st.sign_in.username == SAM and st.sign_in.method == BY_OAUTH
    for feature in (st.password, st.two_factor):
        assert feature.access.status == MANAGED_ELSEWHERE
        assert feature.access.managed_by.host == urlsplit(oidc_op.issuer).netloc
    assert not st.password.can(CHANGE) and not st.two_factor.can(TURN_ON)
    assert st.app_passwords.can(CREATE) and st.api_keys.can(CREATE)
    assert st.encryption.can(UPLOAD_AND_ENABLE)
    made = srv_sso.accounts[SAM]
    assert made.password is None and made.directory == "oidc"

    # what SSO users come for: an app password for their mail app, encryption at rest
    out = run(acc.create_app_password("Phone"))
    mail_app = run(stalwart.sign_in(srv_sso.url, Basic(SAM, out.created.secret), fetch))
    assert mail_app.state.sign_in.credential_id == out.created.id
    # signed in with the app password, the page still names the provider (it asks /api/discover)
    assert mail_app.state.password.access.managed_by.issuer == oidc_op.issuer
    key = run(acc.create_api_key("Backup"))
    assert run(stalwart.sign_in(srv_sso.url, auth.api_key(key.created.secret), fetch)).username == SAM
    enc = run(acc.upload_and_enable("", cert, "Aes256"))
    assert enc.state.encryption.enabled is True
    # the provider's password is not a password here
    with pytest.raises(AuthRequired):
        run(stalwart.sign_in(srv_sso.url, Basic(SAM, "any password"), fetch))


def test_opaque_tokens_are_checked_at_the_providers_userinfo(srv_default, oidc_op):
    creds, fetch = sso_sign_in(srv_default, oidc_op, client_id=OPAQUE_CLIENT)
    assert creds.token.count(".") != 2
    acc = run(stalwart.sign_in(srv_default.url, creds, fetch))
    assert acc.username == SAM and acc.state.password.access.managed_by.issuer == oidc_op.issuer


def test_an_opaque_token_does_not_reach_a_domains_own_directory(srv_sso, oidc_op):
    """Stalwart picks a domain's directory from the email claim of a JWT; an
    opaque token names no domain, so only a default directory sees it (source)."""
    creds, fetch = sso_sign_in(srv_sso, oidc_op, client_id=OPAQUE_CLIENT)
    with pytest.raises(AuthRequired):
        run(stalwart.sign_in(srv_sso.url, creds, fetch))


def test_a_provider_user_without_an_address_is_refused_by_stalwart(srv_default, oidc_op):
    creds, fetch = sso_sign_in(srv_default, oidc_op, login="visitor", client_id=OPAQUE_CLIENT)
    with pytest.raises(AuthRequired):
        run(stalwart.sign_in(srv_default.url, creds, fetch))


def test_a_jwt_for_another_audience_is_refused(oidc_op):
    s = FakeStalwart(generation="0.16", cors=True)
    s.add_oidc_directory(oidc_op.issuer, require_audience="https://other.example")
    with s:
        creds, fetch = sso_sign_in(s, oidc_op)
        with pytest.raises(AuthRequired):
            run(stalwart.sign_in(s.url, creds, fetch))


# =========================================================================================
# refresh at the provider
# =========================================================================================
def test_refresh_goes_to_the_provider_with_the_pages_client_id(srv_sso, oidc_op):
    creds, _ = sso_sign_in(srv_sso, oidc_op)
    log: list = []
    fetch = cors_fetch(TEST_PAGE, log)
    seen = []
    acc = run(stalwart.sign_in(srv_sso.url, dataclasses.replace(creds, expires_at=time.time() - 1),
                               fetch, on_credentials=seen.append))
    run(acc.load())  # the token is (almost) expired: refreshed first, then used
    assert [u for m, u, _ in log if m == "POST" and u.endswith("/token")] == [oidc_op.issuer + "/token"]
    new = acc.credentials
    assert seen == [new] and new.token != creds.token and new.provider == creds.provider
    assert new.expires_at > time.time() + 60
    assert run(stalwart.sign_in(srv_sso.url, new, fetch)).username == SAM


def test_a_refused_refresh_means_sign_in_again(srv_sso, oidc_op):
    creds, fetch = sso_sign_in(srv_sso, oidc_op)
    with pytest.raises(AuthRequired):
        run(auth.refresh(srv_sso.url, dataclasses.replace(creds, refresh_token="not-a-token"), fetch))


# =========================================================================================
# the checks on the way back
# =========================================================================================
def test_state_is_checked_first_and_errors_are_not_trusted_before(srv_sso, oidc_op):
    provider, url, pending = start(srv_sso)
    back = auth.parse_query(oidc_op.sign_in(url, "sam"))
    with pytest.raises(OAuthError) as e:
        run(sso.complete(pending, dict(back, state="forged"), cors_fetch(TEST_PAGE)))
    assert e.value.key == "err.oauth.state_mismatch"
    with pytest.raises(OAuthError) as e:
        run(sso.complete(pending, {"state": "forged", "error": "access_denied",
                                   "error_description": "click evil.example"}, cors_fetch(TEST_PAGE)))
    assert e.value.key == "err.oauth.state_mismatch" and e.value.server_text is None


@pytest.mark.parametrize("iss", [None, "http://127.0.0.1:1", "evil"])
def test_iss_must_be_the_providers(srv_sso, oidc_op, iss):
    provider, url, pending = start(srv_sso)
    back = auth.parse_query(oidc_op.sign_in(url, "sam"))
    assert back["iss"] == oidc_op.issuer
    forged = {k: v for k, v in back.items() if k != "iss"}
    if iss is not None:
        forged["iss"] = iss
    with pytest.raises(OAuthError) as e:
        run(sso.complete(pending, forged, cors_fetch(TEST_PAGE)))
    assert e.value.key == "err.sso.issuer_mismatch" and e.value.error == "issuer_mismatch"
    assert e.value.params["provider"] == urlsplit(oidc_op.issuer).netloc


def test_iss_may_be_absent_when_the_provider_never_promised_it(srv_sso, oidc_op):
    provider, url, pending = start(srv_sso)
    pending = dataclasses.replace(pending, provider=dataclasses.replace(provider, iss_parameter=False))
    back = auth.parse_query(oidc_op.sign_in(url, "sam"))
    del back["iss"]
    assert run(sso.complete(pending, back, cors_fetch(TEST_PAGE))).provider.issuer == oidc_op.issuer


def test_a_declined_consent_and_a_replayed_code(srv_sso, oidc_op):
    provider, url, pending = start(srv_sso)
    with pytest.raises(OAuthError) as e:
        run(sso.complete(pending, auth.parse_query(oidc_op.sign_in(url, "sam", consent=False)),
                         cors_fetch(TEST_PAGE)))
    assert e.value.key == "err.oauth.denied"
    provider, url, pending = start(srv_sso)
    back = auth.parse_query(oidc_op.sign_in(url, "sam"))
    run(sso.complete(pending, back, cors_fetch(TEST_PAGE)))
    with pytest.raises(OAuthError) as e:
        run(sso.complete(pending, back, cors_fetch(TEST_PAGE)))
    assert e.value.error == "invalid_grant"


def test_the_pending_sign_in_survives_only_intact(srv_sso):
    _, _, pending = start(srv_sso)
    again = sso.SsoPending.from_json(pending.to_json())
    assert again == pending and not again.expired() and again.expired(time.time() + 16 * 60)
    for bad in ("", "{}", pending.to_json().replace('"sso"', '"oauth"'),
                pending.to_json().replace(pending.provider.token_endpoint, "http://evil.example/token")):
        with pytest.raises(OAuthError):
            sso.SsoPending.from_json(bad)


# =========================================================================================
# a provider that does not let this page read its token endpoint
# =========================================================================================
def test_cors_refusal_at_the_token_endpoint_is_explained(srv_sso, oidc_op):
    provider, url, pending = start(srv_sso, page=TEST_OTHER_PAGE)
    back = auth.parse_query(oidc_op.sign_in(url, "sam"))
    with pytest.raises(sso.TokenEndpointBlocked) as e:
        run(sso.complete(pending, back, cors_fetch(TEST_OTHER_PAGE)))
    err = e.value
    assert err.cause == "cors" and err.key == "err.sso.token_blocked"
    assert err.params == {"provider": urlsplit(oidc_op.issuer).netloc, "origin": TEST_OTHER_PAGE,
                          "setting": sso.GENERIC_CORS_SETTING}
    assert TEST_OTHER_PAGE in err.message and "CORS" in err.message


def test_a_provider_gone_after_the_redirect_is_not_called_a_cors_refusal(srv_sso):
    _, _, pending = start(srv_sso)
    gone = dataclasses.replace(pending.provider, issuer="http://127.0.0.1:9",
                               token_endpoint="http://127.0.0.1:9/token")
    pending = dataclasses.replace(pending, provider=gone)
    with pytest.raises(sso.TokenEndpointBlocked) as e:
        run(sso.complete(pending, {"state": pending.state, "code": "x", "iss": gone.issuer},
                         cors_fetch(TEST_PAGE)))
    assert e.value.cause == "unknown" and e.value.key == "err.sso.token_unreachable"


@pytest.mark.parametrize("kind,setting", [
    ("https://id.example.com/realms/mail|https://id.example.com/realms/mail/protocol/openid-connect/auth",
     "Web origins"),
    ("https://auth.example.com/application/o/mail/|https://auth.example.com/application/o/authorize/",
     "Redirect URIs"),
    ("https://idm.example.com/oauth2/openid/mail|https://idm.example.com/ui/oauth2",
     sso.GENERIC_CORS_SETTING),  # Kanidm answers every origin
    ("https://zitadel.example.com|https://zitadel.example.com/oauth/v2/authorize", sso.GENERIC_CORS_SETTING),
    ("https://auth.example.com|https://auth.example.com/api/oidc/authorization",
     "identity_providers.oidc.cors"),
])
def test_the_explanation_names_the_providers_own_setting(kind, setting):
    issuer, ae = kind.split("|")
    p = sso.Provider(issuer, ae, issuer + "/token")
    err = sso.TokenEndpointBlocked(p, "https://page.example", True)
    assert err.params["setting"] == setting and setting in err.message


# =========================================================================================
# discovery: who signs in where
# =========================================================================================
def test_an_address_of_an_ordinary_domain_signs_in_at_stalwart(srv_sso):
    fetch = cors_fetch(TEST_PAGE)
    own = run(auth.probe(srv_sso.url, fetch)).metadata.issuer
    assert run(sso.discover(srv_sso.url, "alice@example.com", fetch, own_issuer=own)) is None
    # this listener has no TLS: Stalwart's own answer has an empty issuer
    assert run(sso.discover(srv_sso.url, "alice@example.com", fetch)) is None
    assert run(sso.discover(srv_sso.url, "alice", fetch)) is None


def test_servers_before_0_16_have_no_discovery(srvlegacy):
    assert run(sso.discover(srvlegacy.url, "alice@example.com", cors_fetch(TEST_PAGE))) is None


def test_config_may_pin_the_providers_of_a_server(srv_sso, oidc_op):
    fetch = cors_fetch(TEST_PAGE)
    with pytest.raises(sso.ProviderNotAllowed) as e:
        run(sso.discover(srv_sso.url, SAM, fetch,
                         setting=sso.SsoSetting("x", ("https://id.example.com/realms/mail",))))
    assert e.value.params == {"provider": urlsplit(oidc_op.issuer).netloc}
    got = run(sso.discover(srv_sso.url, SAM, fetch, setting=sso.SsoSetting("x", (oidc_op.issuer + "/",))))
    assert got.issuer == oidc_op.issuer and got.client_id == "x"


@pytest.mark.parametrize("change,key", [
    ({"token_endpoint": None}, "err.sso.unusable"),
    ({"issuer": 5}, "err.sso.unusable"),
    ({"token_endpoint": "http://id.example.com/token"}, "err.sso.insecure"),
    ({"authorization_endpoint": "javascript:alert(1)"}, "err.sso.insecure"),
    ({"code_challenge_methods_supported": ["plain"]}, "err.sso.no_pkce"),
])
def test_a_provider_the_page_cannot_use_is_refused_before_any_redirect(change, key):
    doc = {"issuer": "https://id.example.com", "authorization_endpoint": "https://id.example.com/auth",
           "token_endpoint": "https://id.example.com/token", "code_challenge_methods_supported": ["S256"]}
    doc.update(change)
    with pytest.raises(sso.SsoError) as e:
        sso.provider_from_document(doc)
    assert e.value.key == key


def test_the_default_client_id_is_the_one_the_page_uses_at_stalwart():
    assert sso.DEFAULT_CLIENT_ID == auth.DEFAULT_CLIENT_ID == "account-security"


def test_usable_provider_documents():
    doc = {"issuer": "https://id.example.com/realms/mail",
           "authorization_endpoint": "https://id.example.com/realms/mail/protocol/openid-connect/auth",
           "token_endpoint": "https://id.example.com/realms/mail/protocol/openid-connect/token",
           "scopes_supported": ["openid", "email", "roles"]}
    p = sso.provider_from_document(doc, "mail-page")
    assert p.kind == "keycloak" and p.client_id == "mail-page" and p.scope == "openid email"
    assert p.account_url == "https://id.example.com/realms/mail/account"
    assert sso.provider_from_document(dict(doc, scopes_supported=None)).scope == "openid email profile"


@pytest.mark.parametrize("issuer,ae,account", [
    ("https://auth.example.com/application/o/mail/", "https://auth.example.com/application/o/authorize/",
     "https://auth.example.com/if/user/#/settings"),
    ("https://idm.example.com/oauth2/openid/mail", "https://idm.example.com/ui/oauth2",
     "https://idm.example.com/ui/profile"),
    ("https://z.example.com", "https://z.example.com/oauth/v2/authorize", "https://z.example.com/ui/console/users/me"),
    ("https://a.example.com", "https://a.example.com/api/oidc/authorization", "https://a.example.com/settings"),
    ("https://other.example.com", "https://other.example.com/authorize", None),
])
def test_account_pages_by_convention(issuer, ae, account):
    assert sso.Provider(issuer, ae, issuer + "/t").account_url == account


# =========================================================================================
# keeping the token: the same rules as Stalwart's own
# =========================================================================================
def test_kept_tokens_remember_their_provider_and_nothing_else_is_guessed(srv_sso, oidc_op):
    creds, _ = sso_sign_in(srv_sso, oidc_op)
    assert auth.session_storage_payload(creds, opted_in=False) is None
    kept = auth.session_storage_payload(creds, opted_in=True)
    assert auth.credentials_from_storage(kept) == creds
    assert servers.kept_session(dict(kept, server=srv_sso.url), srv_sso.url) == creds
    assert servers.kept_session(dict(kept, server=srv_sso.url), "https://other.example") is None
    tampered = dict(kept, provider=dict(kept["provider"], token_endpoint="http://evil.example/token"))
    assert auth.credentials_from_storage(tampered) is None


# =========================================================================================
# config.json "sso"
# =========================================================================================
def test_sso_config_is_parsed_with_plain_reasons():
    got = sso.parse_sso_config({"https://mail.example.com": {"client_id": "mail-page",
                                                             "issuers": ["https://id.example.com/realms/a"]}},
                               ("https://mail.example.com",))
    assert got["https://mail.example.com"] == sso.SsoSetting("mail-page", ("https://id.example.com/realms/a",))
    assert sso.provider_origins(got) == ["https://id.example.com"]
    assert sso.parse_sso_config({"https://mail.example.com": {}})["https://mail.example.com"] == sso.DEFAULT_SETTING
    for bad, why in [([], "object"), ({"mail.example.com": {}}, "origin"),
                     ({"https://b.example.com": {}}, 'not in "servers"'),
                     ({"https://mail.example.com": {"client": "x"}}, '"client_id"'),
                     ({"https://mail.example.com": {"client_id": "a b"}}, "client_id"),
                     ({"https://mail.example.com": {"client_id": ""}}, "client_id"),
                     ({"https://mail.example.com": {"issuers": ["http://id.example.com"]}}, "https")]:
        with pytest.raises(ValueError) as e:
            sso.parse_sso_config(bad, ("https://mail.example.com",))
        assert why in str(e.value) and "\n" not in str(e.value)


def test_the_pages_config_carries_the_sso_settings():
    body = (b'{"servers": ["https://mail.example.com"], "sso": {"https://mail.example.com": '
            b'{"client_id": "mail-page", "issuers": ["https://id.example.com/realms/a"]}}}')
    cfg = servers.config_from_response(200, body)
    assert cfg.bound and cfg.sso_for("https://mail.example.com").client_id == "mail-page"
    assert cfg.sso_for("https://other.example.com") == sso.DEFAULT_SETTING
    again = servers.config_without_answer(cfg.to_json())  # remembered for an offline visit
    assert again == cfg
    assert servers.config_from_response(200, b'{"servers": []}').sso_for("https://x.example") == sso.DEFAULT_SETTING
    broken = servers.config_from_response(200, b'{"servers": [], "sso": {"https://x.example": {"client_id": 5}}}')
    assert not broken.usable and "client_id" in broken.problem
    assert "sso" in servers.config_from_response(200, b'{"servers": [], "ssso": {}}').problem
