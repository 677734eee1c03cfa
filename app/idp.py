"""An OpenID provider as the page knows it (pure data, standard library only).

``Provider`` is what Stalwart's ``/api/discover`` names for a single sign-on
domain, with the page's client id there; ``app.sso`` signs in with it, and
``app.auth.Bearer.provider`` keeps it so a token refreshes where it came
from. Here too: which provider software it is (from the shape of its URLs),
where its admin allows a page's origin (CORS), and where its users manage
their password and two-factor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from app.origins import is_loopback

# The page's client id at a provider when config.json names none: the same name
# the page uses at Stalwart itself (app.auth.DEFAULT_CLIENT_ID, a test holds them
# together). An id of its own, rather than Stalwart's web UI's "stalwart-webui",
# keeps the provider's consent screen, logs and redirect URIs about this page.
DEFAULT_CLIENT_ID = "account-security"
MAX_CLIENT_ID = 255
# What Stalwart needs in the token: the username claim (``email`` by default);
# offline_access for a refresh token where the provider asks for it.
WANTED_SCOPES = ("openid", "email", "profile", "offline_access")

# Where each provider's admin lets a page's origin read the token endpoint, and
# where its users manage their password and two-factor (docs/SSO.md has the
# sources). Kanidm and Zitadel allow every origin at the token endpoint.
_KINDS = {
    "keycloak": ("Web origins", "{issuer}/account"),
    "authentik": ("Redirect URIs", "{origin}/if/user/#/settings"),
    "kanidm": ("", "{origin}/ui/profile"),
    "zitadel": ("", "{origin}/ui/console/users/me"),
    "authelia": ("identity_providers.oidc.cors", "{origin}/settings"),
}
GENERIC_CORS_SETTING = "CORS allowed origins"


def kind_of(issuer: str, authorization_endpoint: str) -> str:
    """Which provider software this is, from the shape of its URLs ("" when
    unknown): each of the five documented ones lays them out its own way."""
    ip = urlsplit(issuer).path.rstrip("/")
    ap = urlsplit(authorization_endpoint).path.rstrip("/")
    if re.fullmatch(r".*/realms/[^/]+", ip) and ap.endswith("/protocol/openid-connect/auth"):
        return "keycloak"
    if re.fullmatch(r"/application/o/[^/]+", ip) or ap == "/application/o/authorize":
        return "authentik"
    if re.fullmatch(r"/oauth2/openid/[^/]+", ip):
        return "kanidm"
    if ap == "/oauth/v2/authorize":
        return "zitadel"
    if ap == "/api/oidc/authorization":
        return "authelia"
    return ""


@dataclass(frozen=True)
class Provider:
    """An OpenID provider as Stalwart's discovery names it, with the page's
    client id there. Nothing in it is secret."""
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    scopes_supported: tuple[str, ...] = ()
    code_challenge_methods: tuple[str, ...] = ()
    client_id: str = DEFAULT_CLIENT_ID
    # the provider's own discovery says it always sends ``iss`` (RFC 9207)
    iss_parameter: bool = False

    @property
    def origin(self) -> str:
        p = urlsplit(self.issuer)
        return f"{p.scheme}://{p.netloc}"

    @property
    def host(self) -> str:
        """For display: the host (and port) users know the provider by."""
        return urlsplit(self.issuer).netloc

    @property
    def kind(self) -> str:
        return kind_of(self.issuer, self.authorization_endpoint)

    @property
    def cors_setting(self) -> str:
        got = _KINDS.get(self.kind, ("", ""))[0]
        return got or GENERIC_CORS_SETTING

    @property
    def account_url(self) -> Optional[str]:
        """Where the user manages password and two-factor at the provider,
        when its software has a known page for it. On the issuer's own
        origin, so https (or http on this computer) like the issuer."""
        pattern = _KINDS.get(self.kind, ("", ""))[1]
        if not pattern or not usable_url(self.issuer):
            return None
        return pattern.format(issuer=self.issuer.rstrip("/"), origin=self.origin)

    @property
    def scope(self) -> str:
        """What to ask for: the wanted scopes the provider lists (all of them
        but offline_access when it lists none)."""
        if self.scopes_supported:
            return " ".join(s for s in WANTED_SCOPES if s in self.scopes_supported)
        return " ".join(s for s in WANTED_SCOPES if s != "offline_access")

    def to_dict(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": self.authorization_endpoint,
                "token_endpoint": self.token_endpoint, "userinfo_endpoint": self.userinfo_endpoint,
                "end_session_endpoint": self.end_session_endpoint,
                "scopes_supported": list(self.scopes_supported),
                "code_challenge_methods": list(self.code_challenge_methods),
                "client_id": self.client_id, "iss_parameter": self.iss_parameter}

    @classmethod
    def from_dict(cls, d: Any) -> Optional["Provider"]:
        """From ``to_dict`` (sessionStorage); None when anything is off."""
        if not isinstance(d, dict):
            return None
        try:
            p = cls(str(d["issuer"]), str(d["authorization_endpoint"]), str(d["token_endpoint"]),
                    str(d.get("userinfo_endpoint") or ""), str(d.get("end_session_endpoint") or ""),
                    tuple(str(s) for s in d.get("scopes_supported") or ()),
                    tuple(str(s) for s in d.get("code_challenge_methods") or ()),
                    str(d["client_id"]), d.get("iss_parameter") is True)
        except (KeyError, TypeError, ValueError):
            return None
        if not all(usable_url(u) for u in (p.issuer, p.authorization_endpoint, p.token_endpoint)) \
                or not valid_client_id(p.client_id):
            return None
        return p


def usable_url(url: Any) -> bool:
    """https, or http on this computer (a test or a local provider): tokens
    and codes never travel in clear across a network (the loopback rule is
    ``app.origins.is_loopback``, the page's one rule)."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return False
    try:
        p = urlsplit(url)
        host = (p.hostname or "").lower()
        port_ok = p.port is None or p.port > 0
    except ValueError:
        return False
    if not host or not port_ok or p.username or p.password or p.fragment:
        return False
    if p.scheme == "https":
        return True
    return p.scheme == "http" and is_loopback(f"[{host}]" if ":" in host else host)


def valid_client_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_CLIENT_ID and value.isascii() and \
        value.isprintable() and " " not in value


__all__ = ["Provider", "DEFAULT_CLIENT_ID", "GENERIC_CORS_SETTING", "WANTED_SCOPES", "kind_of",
           "usable_url", "valid_client_id"]
