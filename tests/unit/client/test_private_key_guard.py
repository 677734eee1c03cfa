"""A private key pasted into any field that takes text is refused, with the
same message, and never reaches the server.

Every field the page has for text (the sign-in's login, password, code and
token; the current, new and confirmed passwords and the codes of the password
and two-factor forms; the descriptions and allowed IPs of app passwords and
API keys; the key box and its description) meets every private-key form the
recogniser knows (``private_corpus``, made by the real tools), as the page's
fields hold it (``test_private.field_values``: the text, one line, 255
characters, a code field's value without spaces, a dropped file's bytes).
Each attempt must end in ``err.input.private_key`` for that field, and the
contract server's request log must not grow: nothing was sent. A control per
field shows an ordinary value passes the guard (it fails at a later check of
the same call, still before anything is sent).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import auth, stalwart, totp
from app.auth import Basic
from app.errors import InvalidInput
from app.http import urllib_fetch
from app.vocab import Generation
from client_fakes import run
from test_against_fake import (ALICE, ALICE_PW, L_ALICE, L_TOTP, NEW_PW, TOTP_PW, TOTP_USER,
                               openssl_cert)

from tests.fakestalwart import FakeStalwart

KEYS = Path(__file__).resolve().parents[1] / "keys"
if str(KEYS) not in sys.path:
    sys.path.insert(0, str(KEYS))
import keys_corpus  # noqa: E402
import private_corpus  # noqa: E402
from test_private import field_values  # noqa: E402

LEGACY_SIGN_IN = auth.SignInOptions(Generation.LEGACY, False)  # the code rides in the password there


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, bytes]:
    main_dir = tmp_path_factory.mktemp("guard-keys")
    main = keys_corpus.build(main_dir)
    private = private_corpus.build(tmp_path_factory.mktemp("guard-private"), main)
    return {name: private[name].read_bytes() for name in private_corpus.NAMES}


@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> str:
    return openssl_cert(tmp_path_factory.mktemp("guard-cert"))


class Server:
    """One contract server per generation, with alice and the two-factor
    account signed in, for the whole module (the guard changes nothing)."""

    def __init__(self, gen: str):
        self.srv = FakeStalwart(generation=gen, cors=True, legacy_version="0.15").start()
        self.gen = gen
        alice, tuser = (ALICE, TOTP_USER) if gen == "0.16" else (L_ALICE, L_TOTP)
        self.alice_login = alice
        self.alice = run(stalwart.sign_in(self.srv.url, Basic(alice, ALICE_PW), urllib_fetch))
        if gen == "0.16":  # 0.16 takes no code with a password: an app password of its own
            _, secret = self.srv.add_credential(tuser, "app_password", "guard test")
            creds = Basic(tuser, secret)
        else:  # password$code, traded once for a token (as the page does)
            code = totp.code_at(self.srv.accounts[tuser].otp_url)
            creds = run(auth.legacy_token(self.srv.url, Basic(tuser, TOTP_PW, code), urllib_fetch))
        self.totp = run(stalwart.sign_in(self.srv.url, creds, urllib_fetch))
        self.cert = ""

    def stop(self):
        self.srv.stop()


@pytest.fixture(scope="module")
def server(request, cert):
    s = Server(request.param)
    s.cert = cert
    yield s
    s.stop()


# --- the fields: (what the field is named in the error, how the page's field holds text,
#     attempt(server, value), an ordinary value, the later check it then fails) ----------------
def _sign_in(s, login=None, password=None, code="12ab"):
    return run(auth.password_sign_in(s.srv.url, s.alice_login if login is None else login,
                                     ALICE_PW if password is None else password, code,
                                     LEGACY_SIGN_IN, urllib_fetch))


def _change(s, current=ALICE_PW, new=NEW_PW, code=None, confirm="not the same"):
    return run(s.alice.change_password(current, new, code, confirm=confirm))


def _turn_on(s, current=ALICE_PW, new_code="12345x"):
    return run(s.alice.enable_totp(current, s.alice.start_two_factor_setup(), new_code=new_code))


def _new_app(s, old_code):
    setup = s.totp.start_two_factor_setup()
    return run(s.totp.enable_totp(TOTP_PW, setup, old_code, new_code=totp.code_at(setup.url)))


INPUT = ("text", "one_line", "spaced")     # <input>: line breaks dropped, or spaces (a paste)
DESCRIPTION = INPUT + ("one_line_255", "spaced_255")  # <input maxlength=255>
CODE = INPUT + ("code",)                   # the page drops a code's spaces
KEY_BOX = ("text", "file")                 # <textarea>, or a dropped file

FIELDS = {
    # sign-in (app.auth)
    "sign-in login": ("login", INPUT, lambda s, v: _sign_in(s, login=v), "alice", "err.input.code_format"),
    "sign-in password": ("password", INPUT, lambda s, v: _sign_in(s, password=v), "pw", "err.input.code_format"),
    "sign-in code": ("code", CODE, lambda s, v: _sign_in(s, code=v), "12ab", "err.input.code_format"),
    "sign-in token": ("token", INPUT, lambda s, v: auth.api_key(v), "API_abc", None),
    # the password form
    "current password": ("current_password", INPUT, lambda s, v: _change(s, current=v), "pw",
                         "err.input.password_mismatch"),
    "new password": ("new_password", INPUT, lambda s, v: _change(s, new=v), NEW_PW,
                     "err.input.password_mismatch"),
    "confirm password": ("confirm_password", INPUT, lambda s, v: _change(s, confirm=v), "x",
                         "err.input.password_mismatch"),
    "password code": ("code", CODE, lambda s, v: _change(s, code=v, confirm=NEW_PW), "12ab",
                      "err.input.code_format"),
    # two-factor
    "two-factor password": ("current_password", INPUT, lambda s, v: _turn_on(s, current=v), "pw",
                            "err.input.new_code_wrong"),
    "two-factor new code": ("new_code", CODE, lambda s, v: _turn_on(s, new_code=v), "12345x",
                            "err.input.new_code_wrong"),
    "two-factor old code": ("code", CODE, _new_app, "12ab", "err.input.code_format"),
    "turn-off password": ("current_password", INPUT, lambda s, v: run(s.totp.disable_totp(v, "12ab")),
                          "pw", "err.input.code_format"),
    "turn-off code": ("code", CODE, lambda s, v: run(s.totp.disable_totp(TOTP_PW, v)), "12ab",
                      "err.input.code_format"),
    # app passwords and API keys
    "app password description": ("description", DESCRIPTION,
                                 lambda s, v: run(s.alice.create_app_password(v, None, "not an ip")),
                                 "Phone", "err.input.bad_ip"),
    "app password allowed IPs": ("allowed_ips", INPUT,
                                 lambda s, v: run(s.alice.create_app_password("Phone", None, v)),
                                 "not an ip", "err.input.bad_ip"),
    "API key description": ("description", DESCRIPTION,
                            lambda s, v: run(s.alice.create_api_key(v, None, "not an ip")),
                            "Backup", "err.input.bad_ip"),
    "API key allowed IPs": ("allowed_ips", INPUT, lambda s, v: run(s.alice.create_api_key("Backup", None, v)),
                            "not an ip", "err.input.bad_ip"),
    # encryption at rest
    "key box": ("key", KEY_BOX, lambda s, v: run(s.alice.upload_and_enable("", v, "NoSuchAlgorithm")),
                "cert", "err.input.algorithm"),
    "key description": ("description", DESCRIPTION,
                        lambda s, v: run(s.alice.upload_and_enable(v, s.cert, "Aes256")), None, None),
}
API_KEYS_ONLY_016 = {"API key description", "API key allowed IPs"}


def _cases(with_control: bool = False):
    for gen in ("0.16", "legacy"):
        for field, (_, _, _, ordinary, _) in FIELDS.items():
            if gen == "legacy" and field in API_KEYS_ONLY_016:
                continue
            if with_control and ordinary is None:  # the key's description: no check after the guard
                continue
            yield gen, field


def _refused(server, field: str, value) -> InvalidInput:
    name, _, attempt, _, _ = FIELDS[field]
    with pytest.raises(InvalidInput) as e:
        attempt(server, value)
    return e.value


@pytest.mark.parametrize("server, field", list(_cases()), indirect=["server"])
def test_every_private_key_form_is_refused_and_nothing_is_sent(server, forms, field):
    name, holds, _, _, _ = FIELDS[field]
    before = len(server.srv.requests)
    tried = 0
    for form, raw in forms.items():
        for how, value in field_values(form, raw).items():
            if how not in holds:
                continue
            e = _refused(server, field, value)
            assert (e.key, e.field) == ("err.input.private_key", name), (form, how, e)
            assert e.params["what"] and "PRIVATE" in e.message, (form, how)
            tried += 1
    assert tried >= len(forms)
    assert len(server.srv.requests) == before, server.srv.requests[before:]


@pytest.mark.parametrize("server, field", list(_cases(with_control=True)), indirect=["server"])
def test_an_ordinary_value_passes_the_guard(server, field):
    _, _, attempt, ordinary, later = FIELDS[field]
    before = len(server.srv.requests)
    value = server.cert if ordinary == "cert" else ordinary
    if later is None:
        attempt(server, value)  # the token: a Bearer, nothing sent yet
    else:
        with pytest.raises(InvalidInput) as e:
            attempt(server, value)
        assert e.value.key == later, (field, e.value)
    assert len(server.srv.requests) == before
