"""Addresses a filter sends to, and whether they are the user's own.

The user's domains are the domains of every address the page can read for
the account: the identities (``Identity/get``: the server makes one per
address of the account and refuses others, docs/stalwart-contract.md §7.5),
the session's account name and the user name when they are addresses. A
target is INSIDE when its domain is one of them or a subdomain of one (only
the owner of a domain can make its subdomains), OUTSIDE otherwise, and
UNKNOWN when it is no address or no domain of the user is known. INSIDE does
not mean harmless: it is still someone else's mailbox, only not another
organisation's.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional
from urllib.parse import unquote

from app.checkup.kinds import Scope

_ANGLE = re.compile(r"<([^<>]*)>")


def domain_of(address: str) -> Optional[str]:
    """The domain of an address (``Name <a@b>`` too), lower case, no trailing
    dot; None when it is not ``local@domain``."""
    a = (address or "").strip()
    m = _ANGLE.search(a)
    if m:
        a = m.group(1).strip()
    local, at, domain = a.rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    if not at or not local or not domain or any(c.isspace() for c in domain) or "@" in domain:
        return None
    return domain


def own_domains(addresses: Iterable[str]) -> frozenset[str]:
    return frozenset(d for d in (domain_of(a) for a in addresses if isinstance(a, str)) if d)


def scope_of(address: Optional[str], domains: frozenset[str]) -> Scope:
    if address is None:
        return Scope.UNKNOWN
    d = domain_of(address)
    if d is None or not domains:
        return Scope.UNKNOWN
    if any(d == o or d.endswith("." + o) for o in domains):
        return Scope.INSIDE
    return Scope.OUTSIDE


def mailto_recipients(uri: str) -> Optional[list[str]]:
    """The recipients of a ``mailto:`` URI (RFC 6068: the path's addresses and
    the ``to``, ``cc`` and ``bcc`` fields), or None when it is not one."""
    u = (uri or "").strip()
    if u[:7].lower() != "mailto:":
        return None
    rest = u[7:]
    path, _, query = rest.partition("?")
    out = [unquote(a).strip() for a in path.split(",") if a.strip()]
    for field in query.split("&"):
        name, _, value = field.partition("=")
        if unquote(name).strip().lower() in ("to", "cc", "bcc"):
            out += [unquote(a).strip() for a in value.split(",") if unquote(a).strip()]
    return out


__all__ = ["domain_of", "own_domains", "scope_of", "mailto_recipients"]
