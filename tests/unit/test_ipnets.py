"""app.ipnets: the allowedIps list as the server (IpAddrOrMask::from_str) takes it."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings, strategies as st

from app.ipnets import parse_allowed_ips, to_map
from app.issues import Issue


def keys(issues):
    return [i.key for i in issues]


def test_mixed_separators_and_normalisation():
    entries, issues = parse_allowed_ips(
        "10.0.0.2, 192.168.0.0/24\n2001:DB8::/32 ; 2001:0db8:0000::1\t[::1]")
    assert entries == ["10.0.0.2", "192.168.0.0/24", "2001:db8::/32", "2001:db8::1", "::1"]
    assert issues == []


def test_duplicates_merge_including_full_length_prefixes():
    entries, issues = parse_allowed_ips("10.0.0.2 10.0.0.2/32 10.0.0.2,2001:db8::1/128 2001:DB8::1")
    assert entries == ["10.0.0.2", "2001:db8::1"] and issues == []


def test_host_bits_rejected_with_network_suggestion():
    entries, issues = parse_allowed_ips("192.168.0.5/24 2001:db8::1/32")
    assert entries == []
    assert keys(issues) == ["ip.host_bits", "ip.host_bits"]
    assert issues[0].params == {"value": "192.168.0.5/24", "network": "192.168.0.0/24"}
    assert issues[1].params["network"] == "2001:db8::/32"
    assert "192.168.0.0/24" in issues[0].message


@pytest.mark.parametrize("text,key", [
    ("10.0.0.0/7", "ip.prefix_range"),      # the server takes /8../32 only
    ("0.0.0.0/0", "ip.prefix_range"),
    ("::/0", "ip.prefix_range"),
    ("10.0.0.0/33", "ip.prefix_range"),
    ("2001:db8::/129", "ip.prefix_range"),
    ("10.0.0.0/x", "ip.invalid"),
    ("10.0.0.0/", "ip.invalid"),
    ("10.0.0.256", "ip.invalid"),
    ("1.2.3.04", "ip.invalid"),               # leading zeros: Rust refuses them too
    ("example.com", "ip.invalid"),
    ("10.0.0.1-10.0.0.9", "ip.invalid"),
    ("fe80::1%eth0", "ip.zone"),
    ("0.0.0.0", "ip.unspecified"),
    ("::", "ip.unspecified"),
])
def test_rejections(text, key):
    entries, issues = parse_allowed_ips(text)
    assert entries == [] and keys(issues) == [key]
    assert issues[0].params["value"] == text


def test_prefix_range_params():
    _, [issue] = parse_allowed_ips("2001:db8::/4")
    assert issue.params == {"value": "2001:db8::/4", "min": 8, "max": 128}


def test_ipv4_mapped_ipv6_prints_like_rust():
    entries, _ = parse_allowed_ips("::ffff:1.2.3.4 ::FFFF:0102:0304")
    assert entries == ["::ffff:1.2.3.4"]


# What Stalwart's IpAddrOrMask::from_str + Display make of these (copied into a
# Rust harness and run): our output must be the server's own form.
SERVER_FORMS = [
    ("10.0.0.2", "10.0.0.2"),
    ("10.0.0.2/32", "10.0.0.2"),
    ("10.0.0.0/8", "10.0.0.0/8"),
    ("2001:0DB8:0:0::0/32", "2001:db8::/32"),
    ("::ffff:10.1.2.3", "::ffff:10.1.2.3"),
    ("::10.1.2.3", "::a01:203"),
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("fe80::/10", "fe80::/10"),
]


@pytest.mark.parametrize("text,server", SERVER_FORMS)
def test_output_is_the_servers_display_form(text, server):
    assert parse_allowed_ips(text) == ([server], [])


def test_good_entries_survive_bad_ones():
    entries, issues = parse_allowed_ips("10.0.0.2, nonsense, 10.1.0.0/16")
    assert entries == ["10.0.0.2", "10.1.0.0/16"] and keys(issues) == ["ip.invalid"]


def test_empty_input():
    assert parse_allowed_ips("") == ([], [])
    assert parse_allowed_ips(" ,\n ; ") == ([], [])
    assert parse_allowed_ips(None) == ([], [])


def test_map_helpers():
    entries, _ = parse_allowed_ips("10.0.0.2 192.168.0.0/24")
    assert to_map(entries) == {"10.0.0.2": True, "192.168.0.0/24": True}
    assert to_map([]) == {}


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_fuzz_never_raises(text):
    entries, issues = parse_allowed_ips(text)
    assert all(isinstance(i, Issue) for i in issues)
    assert len(entries) == len(set(entries))
    for e in entries:  # everything we output parses again to itself, as the server would take it
        assert parse_allowed_ips(e) == ([e], [])
        net = ipaddress.ip_network(e)
        assert 8 <= net.prefixlen <= net.max_prefixlen


_ip_bits = st.one_of(
    st.ip_addresses().map(str),
    st.tuples(st.ip_addresses(v=4), st.integers(0, 40)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.tuples(st.ip_addresses(v=6), st.integers(0, 140)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.sampled_from(["", ",", " ", "\n", "/", "%", "[", "]", "::", "x"]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_ip_bits, max_size=8).map(" ".join))
def test_fuzz_address_shaped(text):
    entries, issues = parse_allowed_ips(text)
    assert len(entries) + len(issues) <= len([t for t in text.split() if t]) + text.count(",")
    for e in entries:
        assert parse_allowed_ips(e) == ([e], [])
