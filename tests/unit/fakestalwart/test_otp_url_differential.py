"""The page (app/totp.py) and the contract server (tests/fakestalwart/otp.py) read
otpauth URLs the same way: a URL one accepts and the other refuses locks a user
out (the page saves it, the server then refuses every password login) or blocks
a safe set-up.

The two parsers were written apart; hypothesis feeds both the same URLs, built
from the pieces where the rules are subtle (scheme and host case, userinfo,
ports, dot segments, percent-escapes and UTF-8, ``+`` in the query, base32
case and padding, repeated parameters, digits and period syntax). Only the
parsers' own error types count as a refusal: any other exception fails the test.

Versions: the page's "0.16" rules are 0.16's (totp-rs 5.7.2); its "legacy"
rules are those of 0.12-0.15 (totp-rs 5.7.0). 0.11 (base32 0.4: any case,
``=`` allowed) accepts more than the page's legacy rules; there the page must
never accept what the server refuses.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app import totp
from tests.fakestalwart.otp import OtpUrlError, parse_otp_url

EXAMPLES = int(os.environ.get("FAKE_FUZZ_EXAMPLES", "400"))
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# Each piece of a URL: the valid value first, then variants that test a rule.
PIECES = {
    "head": ["", " ", "\x01", "\t"],
    "scheme": ["otpauth", "OTPAUTH", "OtpAuth", "otpauth ", "http", "otpauth+x", "1otpauth", "", "ｏtpauth"],
    "sep": ["://", ":/", ":", ":///", "://\t", ":\\\\", "://@", "://u:p@", "://@@", "://a@", "://:@"],
    "host": ["totp", "TOTP", "Totp", "hotp", "tot%70", "tötp", "", "totp:", "totp:0", "totp:65535",
             "totp:65536", "totp:8x", "totp:\\", "[::1]", "[::1", "to tp", "totp.", "totp\x7f", "to\ttp",
             "totp:1\\x", "totp:+1"],
    "slash": ["/", "", "//", "/./", "/../", "\\", "/%2e/", "/.%2E/", "/a/../"],
    "q": ["?", "??", "/?", "", "#?"],
    "join": ["&", "&&", "&;", "& "],
    "tail": ["", "#frag", "#secret=X", " ", "\x00", "\n", "?x=1", "&", "\t"],
}
label_chars = st.sampled_from(list("aZ0:@./ -_~!$'()*,;=+") + ["%3A", "%3a", "%40", "%2F", "%2E", "%2e", "%25",
                                                            "%253A", "%C3%A9", "%C3", "%FF", "%G1", "%", "é",
                                                            "..", ".", "\t", "\\", "%E2%82%AC", "%ZZ"])
labels = st.lists(label_chars, max_size=6).map("".join)
b32 = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz=18 +", min_size=0, max_size=40)
VALUES = {
    "secret": [SECRET, SECRET.lower(), SECRET + "=", SECRET[:26], SECRET[:25], "JBSWY3DPEHPK3PXP",
               SECRET[:16] + "%41" + SECRET[16:], SECRET[:16] + "+" + SECRET[16:], "", SECRET[:-1] + "a"],
    "issuer": ["Stalwart", "Stalwart%20Mail", "Stalwart+Mail", "Stalwart Mail", "a:b", "a%3Ab", "",
               "%C3%A9", "%FF", "Ex", "ex"],
    "algorithm": ["SHA1", "sha1", "Sha256", "SHA256", "SHA512", "sha512", "MD5", "", "SHA 1", "SHA%31"],
    "digits": ["6", "7", "8", "5", "9", "+6", "06", "-6", "6 ", "", "+", "18446744073709551616", "٦"],
    "period": ["30", "0", "+30", "-30", "1", "18446744073709551615", "18446744073709551616", "3O", "",
               "%33%30"],
    "image": ["https%3A%2F%2Fstalw.art%2Fimg%2Ffavicon-32x32.png", "x"],
    "x": ["", "y"],
}


@st.composite
def otp_urls(draw):
    """A valid URL with a few pieces swapped for variants, so that most URLs
    test one rule at the edge instead of failing several at once."""
    mutate = set(draw(st.lists(st.sampled_from(sorted(PIECES) + ["label", "params"]), max_size=3)))

    def piece(name):
        opts = PIECES[name]
        return draw(st.sampled_from(opts)) if name in mutate else opts[0]

    label = draw(labels) if "label" in mutate else "Stalwart:jdoe%40example.com"
    params = [f"secret={draw(st.one_of(st.sampled_from(VALUES['secret']), b32)) if 'params' in mutate else SECRET}"]
    if "params" in mutate:
        for _ in range(draw(st.integers(0, 4))):
            k = draw(st.sampled_from(sorted(VALUES)))
            params.insert(draw(st.integers(0, len(params))), f"{k}={draw(st.sampled_from(VALUES[k]))}")
    return (piece("head") + piece("scheme") + piece("sep") + piece("host") + piece("slash") + label
            + piece("q") + piece("join").join(params) + piece("tail"))


def page_accepts(url: str, server: str) -> bool:
    try:
        totp.parse_url(url, server)
    except ValueError as e:
        assert "invalid otpauth URL" in str(e)  # the page's refusal, not a crash
        return False
    return True


def server_accepts(url: str, version: str) -> bool:
    try:
        parse_otp_url(url, version)
    except OtpUrlError:
        return False
    return True


GOOD = f"otpauth://totp/Stalwart:jdoe%40example.com?secret={SECRET}&issuer=Stalwart"
CASES = [
    GOOD,
    GOOD.replace("totp/", "TOTP/"),
    GOOD.replace(SECRET, SECRET.lower()),
    GOOD + "&algorithm=sha256",
    GOOD + "&digits=+8",
    GOOD.replace("Stalwart:", "Stalwart%3A"),
    "otpauth://u@totp:123/a%253Ab?secret=" + SECRET,
    "otpauth://totp:\\x/a?secret=" + SECRET,
    " otpauth://totp/./../a?secret=" + SECRET + "#frag",
]


@pytest.mark.parametrize("url", CASES)
@pytest.mark.parametrize("server,version", [("0.16", "0.16"), ("legacy", "0.15")])
def test_known_cases_agree(url, server, version):
    assert page_accepts(url, server) == server_accepts(url, version), url


def test_the_cases_cover_both_verdicts():
    verdicts = {server_accepts(u, "0.16") for u in CASES} | {page_accepts(u, "legacy") for u in CASES}
    assert verdicts == {True, False}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(otp_urls())
@example(GOOD + "&algorithm=Sha1")
def test_fuzz_page_and_server_agree_016(url):
    assert page_accepts(url, "0.16") == server_accepts(url, "0.16"), url


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(otp_urls())
@example(GOOD + "&algorithm=Sha1")
def test_fuzz_page_and_server_agree_legacy(url):
    assert page_accepts(url, "legacy") == server_accepts(url, "0.15"), url


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_fuzz_any_text(url):
    assert page_accepts(url, "0.16") == server_accepts(url, "0.16"), url


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(otp_urls())
@example(GOOD.replace(SECRET, SECRET.lower()))
def test_fuzz_011_never_refuses_what_the_page_accepts(url):
    # 0.11 (base32 0.4) is more lenient than the page's legacy rules
    if page_accepts(url, "legacy"):
        assert server_accepts(url, "0.11"), url
