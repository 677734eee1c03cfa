"""Hypothesis: no input to a registry method or a parser crashes the fake (a crash would be a 500)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakestalwart import FakeStalwart, OtpUrlError, parse_otp_url
from tests.fakestalwart import keys as K
from tests.fakestalwart import registry
from tests.fakestalwart.auth import AuthContext, effective_permissions

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=12), kids, max_size=3),
    max_leaves=8)
keys_ = st.sampled_from(["description", "expiresAt", "permissions", "allowedIps", "secret", "@type", "key",
                         "emailAddresses", "encryptionAtRest", "locale", "timeZone", "currentSecret", "otpAuth",
                         "otpAuth/otpCode", "otpAuth/otpUrl", "allowedIps/10.0.0.1", "createdAt", "x"])
patches = st.dictionaries(keys_, json_values, max_size=4)
methods = st.sampled_from([f"x:{o}/{m}" for o in ("AccountPassword", "AccountSettings", "AppPassword", "ApiKey",
                                                   "PublicKey", "Account") for m in ("get", "set", "query")])
args_ = st.fixed_dictionaries({}, optional={
    "ids": st.none() | st.lists(st.text(max_size=10), max_size=3) | json_values,
    "create": st.dictionaries(st.text(max_size=4), patches, max_size=2) | json_values,
    "update": st.dictionaries(st.sampled_from(["singleton", "a", "b", "c", "e", "zz"]), patches, max_size=2),
    "destroy": st.lists(st.text(max_size=4), max_size=2) | json_values,
    "accountId": json_values, "sort": json_values, "position": json_values, "limit": json_values, "filter": json_values, "properties": json_values})

SRV = FakeStalwart()  # not started: methods are called directly


@settings(max_examples=int(__import__("os").environ.get("FAKE_FUZZ_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(methods, args_)
def test_registry_never_crashes(name, args):
    acct = SRV.accounts["alice@example.com"]
    ctx = AuthContext(acct, "password", effective_permissions(acct, None), "basic", client_ip="127.0.0.1")
    with SRV.lock:
        res = registry.dispatch(SRV, ctx, name, args)
    assert res[0] in ("ok", "error")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_otp_parser_total(url):
    try:
        parse_otp_url("otpauth://totp/" + url)
    except OtpUrlError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_pem_scanner_total(text):
    if not text.strip():
        return
    try:
        K.parse_public_key("-----BEGIN CERTIFICATE-----\n" + text + "\n-----END CERTIFICATE-----")
    except K.KeyError_:
        pass


HTTP_SRVS: dict = {}


@settings(max_examples=int(__import__("os").environ.get("FAKE_FUZZ_EXAMPLES", "60")), deadline=None)
@given(st.sampled_from([("0.16", "/api/auth"), ("0.16", "/jmap/"), ("0.16", "/auth/token"),
                        ("0.16", "/auth/register"), ("0.16", "/auth/device"), ("legacy", "/api/account/auth"),
                        ("legacy", "/api/account/crypto"), ("legacy", "/api/oauth"), ("legacy", "/jmap")]),
       json_values)
def test_http_bodies_never_500(target, body):
    from fakehelp import ALICE, basic, call
    gen, path = target
    if gen not in HTTP_SRVS:
        HTTP_SRVS[gen] = FakeStalwart(generation=gen).start()
    srv = HTTP_SRVS[gen]
    r = call(srv.url + path, "POST", __import__("json").dumps(body), auth=basic(*ALICE),
             headers={"Content-Type": "application/json"})
    assert r.status < 500, (path, body, r.body)
