"""A user name with ':' turns two-factor on and signs in with it, against
the contract server (whose otpauth parser follows totp-rs, §2.7). Such a
name signs in only through the server's own sign-in page (Basic cannot carry
a ':' in the user name, RFC 7617); set-up used to end in "Something went
wrong" (build_url refused the name)."""
from __future__ import annotations

import pyotp
import pytest

from app import totp
from app.stalwart import sign_in
from app.http import urllib_fetch
from client_fakes import run
from test_against_fake import oauth_sign_in

from tests.fakestalwart import parse_otp_url

NAME, PW = "jane:doe@example.com", "quiet harbour lantern 58"


@pytest.mark.parametrize("name", [NAME, "50%off:sales@example.com"])
def test_a_name_with_a_colon_turns_two_factor_on_and_signs_in_with_it(srv016, name):
    srv016.add_account(name, PW)
    acc = run(sign_in(srv016.url, oauth_sign_in(srv016, name, PW), urllib_fetch))
    assert acc.username == name
    setup = acc.start_two_factor_setup()
    assert setup.account_name == name  # the page and the recovery kit show the real name
    shown = parse_otp_url(setup.url, "0.16")  # what the server will read at every sign-in
    assert shown.account_name == totp.label_text(name) and ":" not in shown.account_name
    kit = setup.recovery_kit(srv016.url)  # made before saving (the set-up is wiped after)
    assert name.replace("&", "&amp;") in kit and totp.label_text(name) not in kit
    run(acc.enable_totp(PW, setup, new_code=totp.code_at(setup.url)))
    stored = srv016.accounts[name].otp_url
    assert stored and srv016.accounts[name].otp_secret
    # the next sign-in asks for the code and takes it: the server parsed the key
    secret = pyotp.parse_uri(stored).secret
    assert oauth_sign_in(srv016, name, PW, otp_secret=secret).token
