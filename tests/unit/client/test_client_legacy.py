"""The 0.11–0.15 formats: app password names and secrets, the management
answers, the crypto settings, SHA-512 crypt. (What the account does with
them: test_account_state, test_account_outcomes, test_request_counts.)"""
from __future__ import annotations

import subprocess

import pytest

from app.errors import ManagementError, ProtocolError
from app.stalwart.legacy import (encode_app_name, generate_app_secret,
                                 management_result, parse_crypto)
from app.stalwart.sha512crypt import sha512_crypt

NAME = "UGhvbmUkMjAyNS0wNi0wMVQxMDowMDowMCswMDowMA=="


def verify_crypt(password: str, hashed: str) -> bool:
    """The client's $6$ hash against an independent one: openssl's SHA-crypt
    (the crypt module is gone from Python 3.13)."""
    assert hashed.startswith("$6$") and "\n" not in password
    salt = hashed.split("$")[2]
    out = subprocess.run(["openssl", "passwd", "-6", "-salt", salt, "-stdin"],
                         input=password, capture_output=True, text=True, check=True)
    return out.stdout.strip() == hashed


# ----- management answers (HTTP 200 with an error) ----------------------------------------------
@pytest.mark.parametrize("body,key", [
    ({"error": "other", "details": "Password changes only allowed using Basic auth",
      "reason": None}, "err.manage.basic_required"),
    ({"error": "unsupported", "details": "LDAP directory cannot be managed. Only internal "
      "directories support inserts and update operations."}, "err.manage.unsupported"),
    ({"error": "other", "details": "Fallback administrator accounts do not support 2FA or "
      "AppPasswords", "reason": "x"}, "err.manage.other"),
    ({"error": "notFound", "item": "alice"}, "err.manage.not_found"),
    ({"error": "fieldMissing", "field": "password"}, "err.manage.field_missing"),
    ({"error": "fieldAlreadyExists", "field": "name", "value": "v"}, "err.manage.already_exists"),
    ({"error": "assertFailed"}, "err.manage.other"),
])
def test_management_errors_on_http_200(body, key):
    with pytest.raises(ManagementError) as e:
        management_result(body)
    assert e.value.key == key and e.value.kind == body["error"]
    if body.get("details"):
        assert e.value.server_text.startswith(body["details"])


@pytest.mark.parametrize("body", [None, [], {"nothing": 1}, "x"])
def test_management_answer_without_data_is_protocol_error(body):
    with pytest.raises(ProtocolError):
        management_result(body)


def test_management_answer_data():
    assert management_result({"data": None}) is None
    assert management_result({"data": {"otpEnabled": True}}) == {"otpEnabled": True}


# ----- app passwords ----------------------------------------------------------------------------


def test_generated_secret_shape():
    seen = set()
    for _ in range(50):
        s = generate_app_secret()
        groups = s.split(" ")
        assert [len(g) for g in groups] == [5, 5, 5, 5]
        assert all(g.isalpha() and g.islower() and g.isascii() for g in groups)
        seen.add(s)
    assert len(seen) == 50


def test_app_name_round_trip():
    from datetime import datetime, timezone
    n = encode_app_name("Phone", datetime(2025, 6, 1, 10, 0, 0, 123, tzinfo=timezone.utc))
    assert n == NAME


# ----- encryption -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [None, [], {"type": "weird"}, "x"])
def test_parse_crypto_rejects_shapes(data):
    with pytest.raises(ProtocolError):
        parse_crypto(data)


def test_sha512_crypt_against_openssl():
    for pw in ["hello", "correct horse battery staple", "ünïcødé", "x" * 100]:
        out = subprocess.run(["openssl", "passwd", "-6", "-salt", "abcdefgh12345678", pw],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert sha512_crypt(pw, "abcdefgh12345678") == out
    out = subprocess.run(["openssl", "passwd", "-6", "-salt", "rounds=10000$saltsalt", "hello"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert sha512_crypt("hello", "saltsalt", rounds=10000) == out
