"""The "allowed IPs" list of an app password or API key.

The server (``IpAddrOrMask::from_str``, crates/registry/src/types/ipmask.rs)
takes a plain address or ``addr/prefix`` with a prefix of 8..32 (IPv4) or
8..128 (IPv6); a zone (``fe80::1%eth0``) does not parse in Rust. It keeps host
bits as typed (``10.0.0.5/24`` would match all of 10.0.0.0/24), which is
almost always a typo, so we refuse it and suggest the network. Output is in
the server's own display form (a /32 or /128 becomes the bare address), so
duplicates written differently merge.
"""
from __future__ import annotations

import ipaddress
import re

from app.issues import Issue

MIN_PREFIX = 8
_SEPARATORS = re.compile(r"[,;\s]+")


def _fmt_addr(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    # Rust prints IPv4-mapped IPv6 as ::ffff:a.b.c.d; Python 3.11 does not
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return f"::ffff:{addr.ipv4_mapped}"
    return addr.compressed


def _parse_one(token: str) -> tuple[str | None, Issue | None]:
    value = token
    if "%" in token:
        return None, Issue.make("ip.zone", value=value)
    addr_part, slash, prefix_part = token.partition("/")
    if addr_part.startswith("[") and addr_part.endswith("]"):
        addr_part = addr_part[1:-1]
    try:
        addr = ipaddress.ip_address(addr_part)
    except ValueError:
        return None, Issue.make("ip.invalid", value=value)
    max_prefix = addr.max_prefixlen
    if not slash:
        if addr.is_unspecified:
            return None, Issue.make("ip.unspecified", value=value)
        return _fmt_addr(addr), None
    if not (prefix_part.isascii() and prefix_part.isdigit()) or len(prefix_part) > 3:
        return None, Issue.make("ip.invalid", value=value)
    prefix = int(prefix_part)
    if not MIN_PREFIX <= prefix <= max_prefix:
        return None, Issue.make("ip.prefix_range", value=value, min=MIN_PREFIX, max=max_prefix)
    net = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
    if net.network_address != addr:
        suggestion = f"{_fmt_addr(net.network_address)}/{prefix}"
        return None, Issue.make("ip.host_bits", value=value, network=suggestion)
    if prefix == max_prefix:
        if addr.is_unspecified:
            return None, Issue.make("ip.unspecified", value=value)
        return _fmt_addr(addr), None
    return f"{_fmt_addr(addr)}/{prefix}", None


def parse_allowed_ips(text: str) -> tuple[list[str], list[Issue]]:
    """Addresses and networks from free text (commas, spaces, new lines).

    Returns the normalised entries in the order typed, duplicates merged, and
    one issue per entry the server would refuse or that is surely a mistake.
    """
    entries: list[str] = []
    issues: list[Issue] = []
    for token in _SEPARATORS.split(text or ""):
        if not token:
            continue
        try:
            entry, issue = _parse_one(token)
        except ValueError:  # anything ipaddress refuses that we did not foresee
            entry, issue = None, Issue.make("ip.invalid", value=token)
        if issue is not None:
            issues.append(issue)
        elif entry not in entries:
            entries.append(entry)
    return entries, issues


def to_map(entries: list[str]) -> dict[str, bool]:
    """The ``allowedIps`` value the server expects: ``{"10.0.0.2": true, …}``."""
    return {e: True for e in entries}
