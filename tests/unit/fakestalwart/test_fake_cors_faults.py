"""CORS on/off (§2.3), fault injection, request log, the CLI, and the totp-rs URL rules (§2.7)."""
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from fakehelp import ALICE, USING, basic, call
from tests.fakestalwart import FakeStalwart, OtpUrlError, parse_otp_url
from tests.fakestalwart.otp import check_code

CORS3 = {"Access-Control-Allow-Origin": "*",
         "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept, X-Requested-With",
         "Access-Control-Allow-Methods": "POST, GET, PATCH, PUT, DELETE, HEAD, OPTIONS"}
ROOT = Path(__file__).resolve().parents[3]


def acx(r):
    return {k: v for k, v in r.headers.items() if k.lower().startswith("access-control-")}


def test_cors_on_every_response(srv):
    for path, method in (("/jmap/session", "GET"), ("/jmap/", "POST"), ("/auth/token", "POST"),
                         ("/api/account", "GET"), ("/nope", "GET"), ("/.well-known/jmap", "GET")):
        r = call(srv.url + path, method, b"" if method == "POST" else None)
        assert acx(r) == CORS3, path
    r = call(srv.url + "/jmap/", "OPTIONS", headers={"Origin": "https://page.example",
                                                     "Access-Control-Request-Method": "POST"})
    assert r.status == 204 and acx(r) == CORS3


def test_cors_off(srv):
    srv.cors = False
    for path in ("/jmap/session", "/api/account", "/.well-known/jmap", "/login"):
        assert acx(call(srv.url + path, auth=basic(*ALICE))) == {}, path
    r = call(srv.url + "/jmap/", "OPTIONS")
    assert r.status == 204 and acx(r) == {}
    r = call(srv.url + "/auth/token", "OPTIONS")
    assert r.status == 204 and acx(r) == {}
    # 0.16 discovery: all three headers even with permissive CORS off (seen on 0.16.18)
    r = call(srv.url + "/.well-known/oauth-authorization-server")
    assert acx(r) == CORS3
    r = call(srv.url + "/.well-known/openid-configuration", "OPTIONS")
    assert r.status == 204 and acx(r) == CORS3
    srv.cors = True  # switchable at runtime
    assert acx(call(srv.url + "/jmap/session")) == CORS3


def test_legacy_cors_and_options(legacy_srv):
    legacy_srv.cors = False
    r = call(legacy_srv.url + "/api/account/auth", "OPTIONS")
    assert r.status == 204 and acx(r) == {}


def test_fault_status_times_and_path(srv):
    srv.faults.set(path_prefix="/jmap/session", status=500, times=1)
    assert call(srv.url + "/jmap/session").status == 500
    assert call(srv.url + "/jmap/session").status == 200
    srv.faults.set(status=429, retry_after=7)
    r = call(srv.url + "/api/account", auth=basic(*ALICE))
    assert r.status == 429 and r.headers["Retry-After"] == "7"
    assert r.json()["title"] == "Too Many Authentication Attempts"
    assert acx(r) == CORS3
    assert call(srv.url + "/jmap/", "OPTIONS").status == 204  # preflights are never faulted
    srv.faults.clear()
    assert call(srv.url + "/api/account", auth=basic(*ALICE)).status == 200


def test_fault_malformed_json_and_delay(srv):
    srv.faults.set(path_prefix="/jmap/", malformed_json=True, times=1)
    r = call(srv.url + "/jmap/", "POST", {"using": USING, "methodCalls": [["Core/echo", {}, "e"]]},
             auth=basic(*ALICE))
    assert r.status == 200
    with pytest.raises(ValueError):
        r.json()
    srv.faults.set(path_prefix="/jmap/session", delay=0.3, times=1)
    t = time.monotonic()
    assert call(srv.url + "/jmap/session").status == 200
    assert time.monotonic() - t >= 0.3


def test_fault_redirect_points_elsewhere_and_applies_nothing(srv):
    body = {"using": USING, "methodCalls": [["Core/echo", {"x": 1}, "e"]]}
    srv.faults.set(path_prefix="/jmap/", redirect=307, method="POST", times=1)
    assert call(srv.url + "/jmap/session", auth=basic(*ALICE)).status == 200  # another method: no fault
    r = call(srv.url + "/jmap/?q=1", "POST", body, auth=basic(*ALICE))
    assert r.status == 307 and r.body == b""
    assert r.headers["Location"] == srv.elsewhere.url + "/jmap/?q=1"
    assert srv.elsewhere.url != srv.url and acx(r) == CORS3  # CORS as on every answer
    assert call(srv.url + "/jmap/", "POST", body, auth=basic(*ALICE)).status == 200  # times=1
    # the other origin answers anything, CORS open, and records it all
    assert srv.elsewhere.requests == []
    pre = call(srv.elsewhere.url + "/jmap/", "OPTIONS", headers={"Origin": "https://page.example"})
    assert pre.status == 204 and pre.headers["Access-Control-Allow-Origin"] == "*"
    got = call(srv.elsewhere.url + "/jmap/", "POST", body, auth=basic(*ALICE))
    assert got.status == 200 and got.json() == {}
    method, path, headers, sent = srv.elsewhere.requests[-1]
    assert (method, path, headers["authorization"], sent) == ("POST", "/jmap/", "Basic ***",
                                                              json.dumps(body).encode())
    srv.faults.set(redirect=308, location="https://other.example/x", times=1)
    r = call(srv.url + "/api/account", auth=basic(*ALICE))
    assert (r.status, r.headers["Location"]) == (308, "https://other.example/x")
    with pytest.raises(ValueError):
        srv.faults.set(redirect=200)
    other = srv.elsewhere.url
    srv.stop()  # stops both origins
    with pytest.raises(OSError):
        call(other + "/", timeout=2)


def test_fault_drop(srv):
    srv.faults.set(path_prefix="/jmap/session", drop=True, times=1)
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/jmap/session")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine)):
        conn.getresponse()
    conn.close()
    assert call(srv.url + "/jmap/session").status == 200


def test_request_log_hides_secrets(srv):
    call(srv.url + "/jmap/session?x=1", auth=basic(*ALICE))
    rec = srv.requests[-1]
    method, path, headers = rec
    assert (method, path) == ("GET", "/jmap/session")
    assert headers["authorization"] == "Basic ***"
    assert ALICE[1] not in repr(srv.requests)
    assert srv.request_count("/jmap/session") == 1


def test_port_argument_and_context_manager():
    with FakeStalwart(generation="legacy", legacy_version="0.11") as s:
        assert s.legacy_full_version == "0.11.8"
        assert call(s.url + "/jmap/session").status == 200
    with pytest.raises(ValueError):
        FakeStalwart(generation="0.17")


def test_cli_prints_accounts_and_serves():
    p = subprocess.Popen([sys.executable, "-m", "tests.fakestalwart", "--generation", "legacy", "--no-cors",
                          "--public-url", "https://mail.example.com"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = [p.stdout.readline() for _ in range(7)]
        text = "".join(lines)
        assert " alice " in text and "correct horse battery staple" in text  # principal names on legacy
        url = lines[0].split("listening on ")[1].split()[0]
        s = call(url + "/jmap/session", auth=basic("alice", ALICE[1])).json()
        assert s["apiUrl"] == "https://mail.example.com/jmap/"
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(timeout=60)  # a bound, not a timing: a loaded machine stops it slowly
        assert os.name != "posix" or p.returncode == 0


# --- totp-rs from_url rules -----------------------------------------------------------

GOOD = "otpauth://totp/Stalwart:jdoe%40example.com?secret=" + "JBSWY3DPEHPK3PXP" * 2 + "&issuer=Stalwart"


@pytest.mark.parametrize("url", [
    GOOD,
    GOOD + "&image=https%3A%2F%2Fstalw.art%2Fimg%2Ffavicon-32x32.png",
    "otpauth://totp/jdoe?secret=" + "JBSWY3DPEHPK3PXP" * 2,
    "otpauth://totp/Stalwart%20Mail:jdoe%40example.com?secret=" + "JBSWY3DPEHPK3PXP" * 2
    + "&issuer=Stalwart%20Mail&algorithm=sha256&digits=8&period=60",
])
def test_otp_url_accepted(url):
    t = parse_otp_url(url)
    assert len(t.secret) >= 16


@pytest.mark.parametrize("url,kind", [
    ("otpauth://hotp/a?secret=" + "A" * 32, "Host"),
    ("http://totp/a?secret=" + "A" * 32, "Scheme"),
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP", "SecretTooSmall"),
    ("otpauth://totp/a?secret=" + "A" * 32 + "====", "Secret"),
    ("otpauth://totp/a", "Secret"),
    ("otpauth://totp/A:b?secret=" + "A" * 32 + "&issuer=B", "IssuerMistmatch"),
    ("otpauth://totp/A:b:c?secret=" + "A" * 32, "AccountNameContainsColon"),
    ("otpauth://totp/a?secret=" + "A" * 32 + "&digits=5", "InvalidDigits"),
    ("otpauth://totp/a?secret=" + "A" * 32 + "&digits=9", "InvalidDigits"),
    ("otpauth://totp/a?secret=" + "A" * 32 + "&algorithm=MD5", "Algorithm"),
    ("otpauth://totp/a?secret=" + "A" * 32 + "&period=0", "Step"),
    ("otpauth://totp/a?secret=" + "A" * 32 + "&period=-1", "Step"),
    ("otpauth://totp/a?secret=" + "A" * 32 + "&issuer=x%3Ay", "IssuerContainsColon"),
])
def test_otp_url_rejected(url, kind):
    with pytest.raises(OtpUrlError) as e:
        parse_otp_url(url)
    assert e.value.kind == kind


def test_otp_url_rules_by_version():
    lower_secret = "otpauth://totp/a?secret=" + "jbswy3dpehpk3pxp" * 2
    padded = "otpauth://totp/a?secret=" + "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX" + "="
    lower_algo = "otpauth://totp/a?secret=" + "A" * 32 + "&algorithm=sha256"
    for url in (lower_secret, padded):  # base32 0.5.1 from 0.12 on; 0.4.0 in 0.11
        with pytest.raises(OtpUrlError):
            parse_otp_url(url, "0.16")
        with pytest.raises(OtpUrlError):
            parse_otp_url(url, "0.15")
        assert len(parse_otp_url(url, "0.11").secret) >= 16
    assert parse_otp_url(lower_algo, "0.16").algorithm == "SHA256"  # totp-rs 5.7.2
    for v in ("0.15", "0.11"):
        with pytest.raises(OtpUrlError) as e:
            parse_otp_url(lower_algo, v)
        assert e.value.kind == "Algorithm"


def test_code_window_matches_pyotp():
    secret = pyotp.random_base32(32)
    url = pyotp.TOTP(secret).provisioning_uri(name="a@example.com", issuer_name="Stalwart")
    t = pyotp.TOTP(secret)
    now = time.time()
    assert check_code(url, t.at(now))
    assert check_code(url, t.at(now - 30)) and check_code(url, t.at(now + 30))
    assert not check_code(url, t.at(now - 90))


def test_add_account_and_otp_secret_tracking(srv):
    url = "otpauth://totp/X:bob%40example.com?secret=" + "JBSWY3DPEHPK3PXP" * 2 + "&issuer=X"
    acct = srv.add_account("Bob@example.com", "bob's long passphrase 5", otp_url=url)
    assert acct.otp_secret == "JBSWY3DPEHPK3PXP" * 2 and acct.jmap_id == "g"  # after b–f
    assert call(srv.url + "/jmap/session", auth=basic("bob@example.com", "bob's long passphrase 5")).status == 402
    plain = srv.add_account("carol@example.com", "carol's long passphrase 6")
    assert call(srv.url + "/jmap/session", auth=basic("carol", "carol's long passphrase 6")).json()["username"] == \
        "carol@example.com"
    assert plain.otp_secret is None
