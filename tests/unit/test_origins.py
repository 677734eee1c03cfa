"""app.origins, tested from the rules it states (its docstring), not from
agreement between copies: the WHATWG URL standard's host parser for http(s)
(examples from the standard and its shared test data where they apply), the
Secure Contexts spec's loopback hosts with RFC 6761's localhost names, and the
config.json format."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import origins as O

# ------------------------------------------------------------------ hosts (WHATWG host parser)
HOSTS = [
    # domains: ASCII lower case
    ("example.org", "example.org"), ("Go.com", "go.com"), ("MAIL.Example.COM", "mail.example.com"),
    # UTS #46 mapping: full-width forms, ideographic full stop, case folding, deviations kept
    ("\uff27\uff4f.com", "go.com"), ("www.foo\u3002bar.com", "www.foo.bar.com"),
    ("ex\uff0eample", "ex.ample"), ("fa\u00df.ExAmPlE", "xn--fa-hia.example"),
    ("M\u00dcNCHEN.de", "xn--mnchen-3ya.de"), ("b\u00fccher.example", "xn--bcher-kva.example"),
    ("\u03b2\u03cc\u03bb\u03bf\u03c2.com", "xn--nxasmm1c.com"),       # βόλος: final sigma kept (not xn--nxasmq6b)
    ("mail.ex\u0430mple.com", "mail.xn--exmple-4nf.com"),            # Cyrillic а: never "example"
    ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),                      # punycode already: unchanged
    ("XN--MNCHEN-3YA.de", "xn--mnchen-3ya.de"),
    # IPv4: every number form the standard reads, written back dotted
    ("0Xc0.0250.01", "192.168.0.1"), ("192.168.257", "192.168.1.1"), ("256", "0.0.1.0"),
    ("0x7f.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"), ("0x.0x.0", "0.0.0.0"), ("999999999", "59.154.201.255"),
    ("127.0.0.1.", "127.0.0.1"), ("\uff11\uff12\uff17.0.0.1", "127.0.0.1"),   # full-width digits
    # names that only look like numbers stay names
    ("192.168.257.com", "192.168.257.com"), ("127.0.0.1.nip.io", "127.0.0.1.nip.io"),
    # IPv6: the standard's compressed form (first longest zero run, hex, never dotted)
    ("[0:0::1]", "[::1]"), ("[1:0::]", "[1::]"), ("[::127.0.0.1]", "[::7f00:1]"),
    ("[0:0:0:0:0:0:13.1.68.3]", "[::d01:4403]"), ("[::ffff:127.0.0.1]", "[::ffff:7f00:1]"),
    ("[2001:DB8::1]", "[2001:db8::1]"), ("[1:0:1:0:1:0:1:0]", "[1:0:1:0:1:0:1:0]"),
    ("[1:0:0:1:0:0:0:1]", "[1:0:0:1::1]"), ("[1:0:0:1:0:0:1:1]", "[1::1:0:0:1:1]"),
    # one final dot is dropped from a name
    ("mail.example.com.", "mail.example.com"), ("localhost.", "localhost"),
    (".".join(["a" * 63] * 3 + ["a" * 61]), ".".join(["a" * 63] * 3 + ["a" * 61])),   # 253: the longest name
]


@pytest.mark.parametrize("written,canonical", HOSTS)
def test_hosts_are_written_as_the_standard_serialises_them(written, canonical):
    assert O.canonical_host(written) == canonical


NOT_HOSTS = [
    "", "example example.com", "exa\tmple.com", "a..b", ".a", "-mail.example", "mail-.example",
    "mail_server.example", "*.example.com", "x;frame-ancestors", "a<b", "a^b", "a|b",
    "%65vil.example",                             # percent-encoding (the standard decodes; we refuse)
    "\uff05\uff14\uff11.com",                      # full-width % 4 1: "%41" after mapping
    "mail.example.com\u202e", "\u200bmail.example", "mail\u00adexample.com",   # bidi, zero-width, soft hyphen
    "a" * 64 + ".example", ".".join(["a" * 63] * 3 + ["a" * 62]),              # label > 63, name > 253
    "\u0301a.example", "a\u0000b", "a b", "a/b", "a%2eb", "a\\b", "\uff0f.example",   # a mark first, controls
    "xn--a", "xn--abc-", "xn--mnchen-3ya-",                                     # punycode that is not a label
    "\U0001f4a9.la", "xn--ls8h.la",                                             # a symbol is not a letter
    "1.2.3.4.5", "1.2.3.4.0", "09.1", "0x100.1", "127.0.0.256", "4294967296", "1.2.3.09", "evil.127",
    "[::1", "[::1]x", "[]", "[::1%eth0]", "[fe80::1%25eth0]", "[::1.2.3.]", "[1:2:3:4:5:6:7:8:9]", "[g::1]",
]


@pytest.mark.parametrize("written", NOT_HOSTS)
def test_anything_else_is_no_host(written):
    with pytest.raises(O.OriginError):
        O.canonical_host(written)


# ------------------------------------------------------------------ loopback (Secure Contexts, RFC 6761)
LOOPBACK = ["localhost", "LOCALHOST", "localhost.", "stalwart.localhost", "a.b.localhost", "127.0.0.1",
            "127.255.255.254", "127.1", "0x7f.1", "2130706433", "0177.0.0.1", "[::1]", "[0:0::1]",
            "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54"]   # full-width "localhost"
NOT_LOOPBACK = ["evillocalhost", "localhost.attacker.example", "localhost.localdomain", "127.0.0.1.nip.io",
                "localhost-1", "xlocalhost", "localhos", "128.0.0.1", "126.255.255.255", "0.0.0.0",
                "1.0.0.127", "[::ffff:127.0.0.1]", "[::127.0.0.1]", "[::]", "[::2]", "[1::1]",
                "example.com", "", "localhost@evil.example", "[::1", "127.0.0.1:80"]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts(host):
    assert O.is_loopback(host)


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_not_loopback(host):
    assert not O.is_loopback(host)


# ------------------------------------------------------------------ what a user typed or a link carried
TYPED = [
    ("mail.example.com", "https://mail.example.com"),
    ("  https://Mail.Example.COM/jmap?x#y ", "https://mail.example.com"),
    ("https://mail.example.com:443", "https://mail.example.com"),
    ("https://mail.example.com:00443/", "https://mail.example.com"),      # the standard reads leading zeros
    ("HTTPS://mail.example.com:8443", "https://mail.example.com:8443"),
    ("mx2.example.org:8443", "https://mx2.example.org:8443"),
    ("https://mail.example.com:/", "https://mail.example.com"),          # an empty port is no port
    ("http://localhost:8080", "http://localhost:8080"),
    ("localhost:8080", "https://localhost:8080"),
    ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
    ("http://0x7f.1:9000", "http://127.0.0.1:9000"),
    ("http://stalwart.localhost", "http://stalwart.localhost"),
    ("http://[0:0::1]", "http://[::1]"), ("[::1]:8443", "https://[::1]:8443"),
    ("https://[::1]:443/", "https://[::1]"),
    ("mail.ex\u0430mple.com", "https://mail.xn--exmple-4nf.com"),
    ("https://fa\u00df.de", "https://xn--fa-hia.de"),
    # a backslash ends the authority, as in the browser: what follows is path
    ("https://good.example\\@evil.example", "https://good.example"),
    ("https://mail.example.com#@evil.example", "https://mail.example.com"),
]


@pytest.mark.parametrize("raw,origin", TYPED)
def test_typed_addresses_become_the_origin_the_browser_connects_to(raw, origin):
    assert O.canonical(raw) == origin


NOT_SERVERS = [
    "", "   ", None, "javascript:alert(1)", "data:text/html,x", "ftp://mail.example.com", "https://",
    "https:/mail.example.com", "https:mail.example.com", "mail.example.com:", "//mail.example.com",
    "https://user:pw@mail.example.com", "https://mail.example.com@evil.example", "https://:@mail.example.com",
    "https://x; frame-ancestors *", "https://x;frame-ancestors", "https://mail.example.com:99999",
    "https://mail.example.com:abc", "https://mail.example.com:0", "https://mail.example.com: 1",
    "https://a..b", "https://exa mple.com", "https://exa\nmple.com", "\u202ehttps://x",
    "https://mail.example.com\u202e", "https://%65vil.example", "https://[::1", "https://1.2.3.4.5",
]


@pytest.mark.parametrize("raw", NOT_SERVERS)
def test_anything_else_is_not_a_server_address(raw):
    with pytest.raises(O.OriginError) as e:
        O.canonical(raw)
    assert not e.value.plain_http and str(e.value) and "\n" not in str(e.value)


# The finding of the mutation test (issue 16): each of these must be refused as
# a plain-http origin, however the page meets it (typed, linked, listed).
PLAIN_HTTP_ELSEWHERE = [
    "http://evillocalhost", "http://localhost.attacker.example", "http://127.0.0.1.nip.io",
    "http://[::ffff:127.0.0.1]", "http://[::ffff:7f00:1]", "http://localhost.localdomain", "http://mail.example.com",
    "http://192.0.2.10", "http://0.0.0.0", "http://xn--localhost-", "http://localhost-.example",
]


@pytest.mark.parametrize("origin", PLAIN_HTTP_ELSEWHERE)
def test_plain_http_to_another_computer_is_refused_everywhere(origin):
    with pytest.raises(O.OriginError) as typed:
        O.canonical(origin)
    with pytest.raises(O.OriginError):
        O.parse_origin(origin)
    assert O.link_target(origin + "/device") is None
    if "xn--" not in origin and "-." not in origin:
        assert typed.value.plain_http and "use https://" in str(typed.value)


@pytest.mark.parametrize("trick", ["http://localhost@evil.example", "http://localhost:8080@evil.example",
                                   "http://127.0.0.1@evil.example", "http://evil.example@localhost",
                                   "http://[::1]@evil.example", "http://localhost%2eattacker.example",
                                   "http://localhost%00.attacker.example", "http://localhost\t.attacker.example"])
def test_user_names_and_encodings_never_make_a_loopback_origin(trick):
    for fn in (O.canonical, O.parse_origin):
        with pytest.raises(O.OriginError) as e:
            fn(trick)
        assert not e.value.plain_http  # refused for what it is, not as "use https"
    assert O.link_target(trick + "/x") is None


HTTP_ORIGIN = re.compile(r"http://(localhost|[a-z0-9.-]+\.localhost|127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
                         r"|\[::1\])(:[1-9][0-9]*)?\Z")
ORIGIN = re.compile(r"https?://[a-z0-9.\[\]:-]+\Z")


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.text(max_size=40),
    st.builds(lambda sch, user, host, port, rest: f"{sch}{user}{host}{port}{rest}",
              st.sampled_from(["https://", "http://", "HTTP://", "", "ftp://", "javascript:"]),
              st.sampled_from(["", "user@", "localhost@", ":@"]),
              st.one_of(st.sampled_from(["localhost", "x.localhost", "evillocalhost", "localhost.evil", "127.0.0.1",
                                         "0x7f.1", "127.1", "[::1]", "[::ffff:127.0.0.1]", "mail.example.com",
                                         "m\u00e4il.example", "127.0.0.1.nip.io", "2130706433", "1.2.3.4"]),
                        st.text(alphabet="abcxyz0179.:[]@_-*;%\\/ \u0430\u202e\u00df\uff0e", max_size=20)),
              st.sampled_from(["", ":443", ":80", ":8443", ":0", ":099", ":65536", ":"]),
              st.sampled_from(["", "/", "/x", "?a", "#b", "\\x", " ", "\n"]))))
def test_whatever_is_typed_is_refused_or_a_canonical_origin(raw):
    try:
        o = O.canonical(raw)
    except O.OriginError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert ORIGIN.match(o), o
    assert O.parse_origin(o) == o and O.canonical(o) == o        # a fixed point, accepted as a setting
    if o.startswith("http://"):
        assert HTTP_ORIGIN.match(o), o                            # plain http only to this computer


# ------------------------------------------------------------------ settings: the canonical origin only
GOOD = ["https://mail.example.com", "https://mail.example.com:8443", "https://xn--mil-qla.example",
        "https://192.0.2.10", "https://[2001:db8::1]", "https://[2001:db8::1]:8443", "http://localhost",
        "http://localhost:8080", "http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:8080",
        "http://stalwart.localhost:8080", "https://a-b.c-d.example", "https://localhost", "https://[::ffff:7f00:1]"]
BAD = {
    "": "empty",
    "mail.example.com": "form",
    "https://mail.example.com/": "path",
    "https://mail.example.com/jmap": "path",
    "https://mail.example.com?x=1": "query",
    "https://mail.example.com#x": "fragment",
    "https://mail.example.com\\": "path",
    "https://user@mail.example.com": "user name",
    "https://user:pw@mail.example.com": "user name",
    "https://@mail.example.com": "user name",
    "HTTPS://mail.example.com": "lower case",
    "https://Mail.Example.com": "lower case",
    "https://mail.example.com:443": "default port",
    "http://localhost:80": "default port",
    "https://mail.example.com:0": "port",
    "https://mail.example.com:08443": "port",
    "https://mail.example.com:65536": "port",
    "https://mail.example.com:": "port",
    "http://mail.example.com": "only for this computer",
    "http://192.0.2.10": "only for this computer",
    "http://evillocalhost": "only for this computer",
    "http://[::ffff:7f00:1]": "only for this computer",
    "ftp://mail.example.com": "only https",
    "javascript://x": "only https",
    "https://mäil.example": "punycode",
    "https://mail.example.com ": "spaces",
    " https://mail.example.com": "spaces",
    "https://x;frame-ancestors": "host name",
    "https://x; frame-ancestors *": "spaces",
    "https://mail.example.com\n": "control",
    "https://mail_server.example": "host name",
    "https://-mail.example": "host name",
    "https://mail..example": "host name",
    "https://mail.example.com.": "host name",
    "https://127.1": "IPv4",
    "http://0x7f.1": "IPv4",
    "https://[::1": "IPv6",
    "https://[0:0::1]": "[::1]",
    "https://[::ffff:127.0.0.1]": "[::ffff:7f00:1]",
    "https://": "no host",
    "https:mail.example.com": "form",
    "https://*.example.com": "host name",
    "https://mail.example.com\u202e": "non-ASCII",
    "https://xn--a.example": "international name",
}


@pytest.mark.parametrize("value", GOOD)
def test_canonical_origins_are_accepted_as_settings(value):
    assert O.parse_origin(value) == value


@pytest.mark.parametrize("value,why", list(BAD.items()))
def test_any_other_setting_is_refused_with_a_reason(value, why):
    with pytest.raises(O.OriginError) as e:
        O.parse_origin(value)
    text = str(e.value)
    assert why in text and "\n" not in text, text


@pytest.mark.parametrize("value,hint", [
    ("https://mail.example.com/", "https://mail.example.com"), ("https://mäil.example", "https://xn--mil-qla.example"),
    ("https://Mail.Example.com", "https://mail.example.com"), ("https://mail.example.com:443", "https://mail.example.com"),
    ("http://0x7f.1", "http://127.0.0.1"), ("http://mail.example.com", "https://mail.example.com"),
])
def test_refusals_name_the_canonical_origin(value, hint):
    with pytest.raises(O.OriginError) as e:
        O.parse_origin(value)
    assert hint in str(e.value) and str(e.value).rstrip(")").endswith(hint)


@pytest.mark.parametrize("value", [None, 1, ["https://x.example"], {"a": 1}, b"https://x.example"])
def test_non_strings_are_refused(value):
    with pytest.raises(O.OriginError):
        O.parse_origin(value)


# ------------------------------------------------------------------ links and origins of URLs
@pytest.mark.parametrize("url,ok", [
    ("https://mail.example.com/device", True), ("HTTPS://mail.example.com/device", True),
    ("http://127.0.0.1:8080/device", True), ("http://localhost/device", True),
    ("http://auth.localhost/device", True), ("http://[::1]:8080/device", True), ("http://127.0.0.2:8080/device", True),
    ("http://mail.example.com/device", False), ("http://127.evil.example/device", False),
    ("http://localhost.evil.example/device", False), ("https://user@mail.example.com/device", False),
    ("javascript:alert(1)", False), ("data:text/html,<script>alert(1)</script>", False),
    ("https:///nohost", False), ("//mail.example.com/device", False), ("https://mail.example.com/a\nb", False),
    ("https://mail.example.com/\u202eb", False), (None, False), (42, False),
])
def test_link_targets_are_https_or_http_to_this_computer(url, ok):
    got = O.link_target(url)
    assert (got is not None) == ok
    if ok:
        assert got == url.strip()


def test_the_origin_of_a_url_has_no_policy():
    assert O.origin_of("https://Mail.Example.com/x?y") == "https://mail.example.com"
    assert O.origin_of("http://mail.example.com:80/x") == "http://mail.example.com"
    assert O.origin_of("http://[::1]:8080/") == "http://[::1]:8080"
    for bad in ("ftp://x", "mail.example.com", "https://user@x.example/", None, "https://x.example/a\nb"):
        assert O.origin_of(bad) is None


# ------------------------------------------------------------------ config.json
@pytest.mark.parametrize("text,servers", [
    ('{"servers": ["https://mail.example.com"]}', ("https://mail.example.com",)),
    ('{"servers": []}', ()),
    ('{"servers": ["https://a.example", "https://b.example", "https://a.example"]}',
     ("https://a.example", "https://b.example")),
    ('\n  {"servers": ["http://127.0.0.1:8080"]}\n', ("http://127.0.0.1:8080",)),
])
def test_config_accepted(text, servers):
    assert O.parse_config(text) == servers
    assert O.parse_config(text.encode()) == servers


@pytest.mark.parametrize("text,why", [
    ("", "JSON"), ("{", "JSON"), ("[]", "object"), ('"https://mail.example.com"', "object"),
    ("{}", '"servers"'), ('{"server": ["https://mail.example.com"]}', "unknown key"),
    ('{"servers": ["https://mail.example.com"], "mode": "open"}', "unknown key"),
    ('{"servers": "https://mail.example.com"}', "list"), ('{"servers": null}', "list"),
    ('{"servers": ["https://mail.example.com/"]}', "entry 1"), ('{"servers": [1]}', "entry 1"),
    ('{"servers": ["https://ok.example", "http://evil.example"]}', "entry 2"),
    ('{"servers": ["https://ok.example", "http://evillocalhost"]}', "entry 2"),
    ("[" * 5000 + "]" * 5000, "JSON"),
])
def test_config_refused(text, why):
    with pytest.raises(O.ConfigError) as e:
        O.parse_config(text)
    assert why in str(e.value) and "\n" not in str(e.value)


def test_config_size_and_encoding():
    with pytest.raises(O.ConfigError, match="larger"):
        O.parse_config(b'{"servers": []' + b" " * O.MAX_CONFIG_BYTES + b"}")
    with pytest.raises(O.ConfigError, match="UTF-8"):
        O.parse_config(b'{"servers": ["https://m\xe4il.example"]}')
