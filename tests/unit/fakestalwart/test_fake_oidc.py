"""The contract server's OIDC directory (docs/stalwart-contract.md §2.10)
against a real OpenID provider (tests/oidc), the expired-password cut, and
the 0.16.15 change to credential limits: what Stalwart 0.16.18's source says,
tried with urllib only."""
import base64
import datetime as dt
import hashlib
import json
import secrets
import time
import urllib.parse
import urllib.request

import pytest
from jwcrypto import jwk, jws

from fakehelp import ALICE, Client, basic, call

from tests.fakestalwart import FakeStalwart
from tests.fakestalwart.model import EXPIRED_PASSWORD_PERMISSIONS, utc_now
from tests.fakestalwart.oidc import KEPT, OidcDirectory, Refused, key_algorithm, verify_signature
from tests.oidc import JWT_CLIENT, OPAQUE_CLIENT, TEST_AUDIENCE, TEST_PAGE

SAM = "sam@sso.example.com"


def provider_token(op, client=JWT_CLIENT, login="sam") -> str:
    """An access token from the provider: its login forms, then its token endpoint."""
    verifier = secrets.token_urlsafe(32)
    q = {"response_type": "code", "client_id": client, "redirect_uri": TEST_PAGE + "/",
         "scope": "openid email profile", "state": "s", "code_challenge_method": "S256",
         "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
         .rstrip(b"=").decode()}
    back = op.sign_in(op.issuer + "/auth?" + urllib.parse.urlencode(q), login)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))["code"]
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "client_id": client,
                                   "redirect_uri": TEST_PAGE + "/", "code_verifier": verifier}).encode()
    with urllib.request.urlopen(urllib.request.Request(op.issuer + "/token", data=form)) as r:
        return json.loads(r.read())["access_token"]


def bearer(token):
    return "Bearer " + token


def b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


# =========================================================================================
# GET /api/discover/{address}
# =========================================================================================
def test_discover_names_the_domains_provider_with_the_fields_stalwart_keeps(srv_sso, oidc_op):
    srv_sso.cors = False
    r = call(srv_sso.url + "/api/discover/Sam%40SSO.example.com")
    assert r.status == 200 and r.json()["issuer"] == oidc_op.issuer
    own = json.loads(urllib.request.urlopen(oidc_op.issuer + "/.well-known/openid-configuration").read())
    assert set(KEPT) <= set(r.json()) <= set(KEPT) | {"end_session_endpoint", "scopes_supported",
                                                      "claims_supported", "code_challenge_methods_supported"}
    assert all(r.json()[k] == own[k] for k in r.json())
    assert "authorization_response_iss_parameter_supported" not in r.json()  # dropped by Stalwart
    assert r.headers.get("Access-Control-Allow-Origin") is None  # only with permissive CORS


@pytest.mark.parametrize("name", ["alice@example.com", "alice", "nobody@elsewhere.example"])
def test_discover_otherwise_is_stalwarts_own_metadata(srv_sso, name):
    srv_sso.cors = False
    r = call(srv_sso.url + "/api/discover/" + name)
    doc = r.json()
    assert r.status == 200 and r.headers.get("Access-Control-Allow-Origin") == "*"
    # a listener without TLS strips the base URL (openid.rs handle_oidc_metadata)
    assert doc["issuer"] == "" and doc["authorization_endpoint"] == "/login"
    assert doc["authorization_response_iss_parameter_supported"] is True


def test_discover_needs_an_address_and_a_016_server(srv_sso, srvlegacy):
    assert call(srv_sso.url + "/api/discover/").status == 404
    assert call(srvlegacy.url + "/api/discover/alice@example.com").status == 404


def test_a_directory_reads_the_providers_document_and_refuses_another_issuer(oidc_op):
    other = FakeStalwart(generation="0.16", public_url="https://mail.example.com")
    with other:  # any OpenID provider whose document names another issuer than its address
        with pytest.raises(RuntimeError, match="Issuer mismatch"):
            OidcDirectory(other.url).open()
    assert OidcDirectory(oidc_op.issuer + "/").open().document["issuer"] == oidc_op.issuer


# =========================================================================================
# Bearer tokens of the provider
# =========================================================================================
def test_a_providers_jwt_signs_in_and_makes_the_account(srv_sso, oidc_op):
    tok = provider_token(oidc_op)
    assert SAM not in srv_sso.accounts
    r = call(srv_sso.url + "/api/account", auth=bearer(tok))
    perms = set(r.json()["permissions"])
    assert r.status == 200 and "sysAppPasswordCreate" in perms
    assert not perms & {"sysAccountPasswordGet", "sysAccountPasswordUpdate"}  # managed by the provider
    assert srv_sso.accounts[SAM].directory == "oidc" and srv_sso.accounts[SAM].password is None
    session = call(srv_sso.url + "/jmap/session", auth=bearer(tok)).json()
    assert session["username"] == SAM
    alice = call(srv_sso.url + "/api/account", auth=basic(*ALICE)).json()
    assert "sysAccountPasswordUpdate" in alice["permissions"]  # other domains are untouched


def test_the_sso_account_has_no_password_here(srv_sso, oidc_op):
    c = Client(srv_sso, bearer(provider_token(oidc_op)))
    name, args, _ = c.one("x:AccountPassword/get", {"ids": ["singleton"]})
    assert args["list"] == [] and args["notFound"] == ["singleton"]
    name, args, _ = c.one("x:AccountPassword/set", {"update": {"singleton": {
        "currentSecret": "x", "secret": "a very long new passphrase 12"}}})
    assert args["notUpdated"]["singleton"] == {"type": "forbidden", "description": "Operation not allowed."}
    assert call(srv_sso.url + "/jmap/session", auth=basic(SAM, "any password")).status == 401
    name, args, _ = c.one("x:AppPassword/set", {"create": {"k": {"description": "Phone"}}})
    secret = args["created"]["k"]["secret"]
    assert call(srv_sso.url + "/jmap/session", auth=basic(SAM, secret)).status == 200


def tamper(token: str, **claims) -> str:
    h, p, s = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    return f"{h}.{b64(dict(body, **claims))}.{s}"


def test_jwt_checks(srv_sso, oidc_op):
    tok = provider_token(oidc_op)
    h = json.loads(base64.urlsafe_b64decode(tok.split(".")[0] + "=="))
    refused = [
        tamper(tok, email="alice@example.com"),                       # signature no longer matches
        b64(dict(h, alg="HS256")) + "." + tok.split(".", 1)[1],       # HMAC is refused
        b64(dict(h, kid="unknown")) + "." + tok.split(".", 1)[1],     # no such key
        tok[:-4] + ("AAAA" if not tok.endswith("AAAA") else "BBBB"),  # a broken signature
    ]
    for bad in refused:
        assert call(srv_sso.url + "/api/account", auth=bearer(bad)).status == 401
    assert call(srv_sso.url + "/api/account", auth=bearer(tok)).status == 200


def test_audience_and_scopes_when_required(oidc_op):
    tok = provider_token(oidc_op)
    for kw, ok in [({"require_audience": TEST_AUDIENCE}, True), ({"require_audience": "https://x.example"}, False),
                   ({"require_audience": None}, True), ({"require_scopes": ("email",)}, True),
                   ({"require_scopes": ("mail",)}, False), ({"require_scopes": ()}, True),
                   ({}, True)]:  # Stalwart's defaults: audience "stalwart", scopes openid and email
        s = FakeStalwart(generation="0.16")
        s.add_oidc_directory(oidc_op.issuer, **kw)
        with s:
            assert (call(s.url + "/api/account", auth=bearer(tok)).status == 200) is ok, kw


def test_opaque_tokens_ask_userinfo_in_a_default_directory(oidc_op):
    tok = provider_token(oidc_op, OPAQUE_CLIENT)
    s = FakeStalwart(generation="0.16")
    s.add_oidc_directory(oidc_op.issuer, domain=None)
    with s:
        assert call(s.url + "/jmap/session", auth=bearer(tok)).json()["username"] == SAM
        assert call(s.url + "/jmap/session", auth=bearer("not-a-token")).status == 401
        # a default OIDC directory holds every domain: passwords are the provider's
        assert call(s.url + "/jmap/session", auth=basic(*ALICE)).status == 401
        assert "sysAccountPasswordGet" not in call(
            s.url + "/api/account", auth=bearer(tok)).json()["permissions"]


def test_the_username_claim_and_its_domain():
    d = OidcDirectory("https://id.example.com", claim_username="preferred_username",
                      username_domain="sso.example.com")
    assert d._email({"preferred_username": "sam"}) == "sam@sso.example.com"
    assert d._email({"preferred_username": "sam@other.example"}) == "sam@other.example"
    assert d._email({"preferred_username": 5, "email": "x@y.example"}) == "x@y.example"
    assert OidcDirectory("https://id.example.com")._email({"preferred_username": "sam"}) is None


def test_claim_checks():
    d = OidcDirectory("https://id.example.com", require_audience="aud-1", require_scopes=("email",))
    d.document = {"issuer": "https://id.example.com"}
    good = {"iss": "https://id.example.com", "exp": time.time() - 30, "aud": ["x", "aud-1"],
            "scope": "openid email"}
    d._check_claims(good)  # 60 s leeway on exp
    for bad in [dict(good, exp=time.time() - 90), {k: v for k, v in good.items() if k != "exp"},
                dict(good, iss="https://id.example.com/"), dict(good, aud="aud-2"),
                dict(good, scope=["openid"])]:
        with pytest.raises(Refused):
            d._check_claims(bad)


# --- signatures, against a JOSE library as the oracle ----------------------------------------
@pytest.mark.parametrize("alg,make", [
    ("RS256", lambda: jwk.JWK.generate(kty="RSA", size=2048)),
    ("RS512", lambda: jwk.JWK.generate(kty="RSA", size=2048)),
    ("PS256", lambda: jwk.JWK.generate(kty="RSA", size=2048)),
    ("PS384", lambda: jwk.JWK.generate(kty="RSA", size=3072)),
    ("ES256", lambda: jwk.JWK.generate(kty="EC", crv="P-256")),
    ("ES384", lambda: jwk.JWK.generate(kty="EC", crv="P-384")),
    ("EdDSA", lambda: jwk.JWK.generate(kty="OKP", crv="Ed25519")),
])
def test_signatures_verify_like_a_jose_library(alg, make):
    key = make()
    pub = json.loads(key.export_public())
    pub["alg"] = alg if alg[:2] in ("RS", "PS") else None
    pub = {k: v for k, v in pub.items() if v is not None}
    s = jws.JWS(b'{"sub":"x"}')
    s.add_signature(key, alg, protected=json.dumps({"alg": alg}))
    h, p, sig = s.serialize(compact=True).split(".")
    raw = base64.urlsafe_b64decode(sig + "==")
    assert key_algorithm(pub) == alg
    assert verify_signature(pub, alg, f"{h}.{p}".encode(), raw)
    assert not verify_signature(pub, alg, f"{h}.{p}x".encode(), raw)
    assert not verify_signature(pub, alg, f"{h}.{p}".encode(), bytes([raw[0] ^ 1]) + raw[1:])


def test_keys_stalwart_skips():
    assert key_algorithm({"kty": "RSA"}) == "RS256"
    assert key_algorithm({"kty": "RSA", "alg": "RSA-OAEP"}) is None
    assert key_algorithm({"kty": "RSA", "use": "enc"}) is None
    assert key_algorithm({"kty": "oct", "alg": "HS256"}) is None
    assert key_algorithm({"kty": "EC", "crv": "secp256k1"}) is None


# =========================================================================================
# the expired password, the server version
# =========================================================================================
def test_an_expired_password_is_cut_to_changing_it_an_app_password_is_not(srv):
    acct = srv.accounts["expired@example.com"]
    pw = basic("expired@example.com", acct.password)
    assert set(call(srv.url + "/api/account", auth=pw).json()["permissions"]) == EXPIRED_PASSWORD_PERMISSIONS
    name, args, _ = Client(srv, pw).one("x:AppPassword/get", {"ids": None})
    assert name == "error" and args["type"] == "forbidden"
    acct.password_expires_at = None
    name, args, _ = Client(srv, pw).one("x:AppPassword/set", {"create": {"k": {"description": "Phone"}}})
    app = basic("expired@example.com", args["created"]["k"]["secret"])
    acct.password_expires_at = utc_now() - dt.timedelta(seconds=1)
    assert "sysAppPasswordCreate" in call(srv.url + "/api/account", auth=app).json()["permissions"]


def test_the_version_decides_what_a_limited_credential_may_grant(srv):
    alice = Client(srv, basic(*ALICE))
    _, args, _ = alice.one("x:AppPassword/set", {"create": {"k": {
        "description": "narrow", "permissions": {"@type": "Disable", "permissions": {"sysAccountGet": True,
                                                                                  "sysAccountPasswordUpdate": True}}}}})
    narrow = Client(srv, basic(ALICE[0], args["created"]["k"]["secret"]))
    wider = {"create": {"w": {"description": "wider"}}}  # Inherit: the account's rights
    _, args, _ = narrow.one("x:ApiKey/set", wider)
    assert args["notCreated"]["w"] == {"type": "forbidden", "description":
                                       "You are not authorized to grant permissions: sysAccountPasswordUpdate"}
    srv.version = "0.16.14"
    _, args, _ = narrow.one("x:ApiKey/set", wider)
    assert "w" in args["created"]
    assert srv.resolves_public_key_refs is False
