"""Which mail server the page may send credentials to (pure: no DOM, no storage).

The host names the allowed servers in ``config.json`` next to ``index.html``
(``{"servers": ["https://mail.example.com"]}``, the same file and rules as
serve.py's). From it the page is in one of three modes:

* BOUND (a non-empty list): only those origins. ``?server=`` may pick one of
  them; anything else in it is ignored (and the user told so).
* OPEN (no file: 404, or ``[]``): the user types any server; ``?server=`` only
  prefills the field, and the page shows where the password will go.
* BROKEN (a file the page cannot use, or no answer and nothing known from an
  earlier visit): sign-in stays closed. Never a fallback to OPEN: a typo in the
  admin's file must not unbind the page.

An optional ``"sso"`` object sets, per server, the page's client id at the
server's OpenID provider and which issuers it may use (``app.sso.SsoSetting``,
docs/SSO.md): ``Config.sso_for(server)``.

Every address (listed, linked, typed) is read by ``app.origins``;
``canonical_origin`` is ``app.jmap.normalize_server``: typed text -> the origin,
or ``InvalidInput`` for the server field.

A kept token is used only with the origin it was issued for (``kept_session``),
and a server address is remembered only after a successful sign-in (the UI's
job; ``choose`` merely ignores a remembered address the config does not allow).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from app.auth import Credentials, credentials_from_storage
from app.errors import InvalidInput
from app.jmap import normalize_server as canonical_origin
from app.origins import ConfigError, OriginError, origin_of, parse_config, parse_origin, read_config

OPEN, BOUND, BROKEN = "open", "bound", "broken"


def _parse(data: bytes | str) -> tuple[tuple[str, ...], dict]:
    """(servers, single sign-on settings per server: ``app.sso.parse_sso_config``)."""
    servers, raw = read_config(data)
    if raw is None:
        return servers, {}
    from app.sso import parse_sso_config
    try:
        return servers, parse_sso_config(raw, servers)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class Config:
    mode: str                          # OPEN | BOUND | BROKEN
    servers: tuple[str, ...] = ()      # BOUND: the allowed origins, in the file's order
    problem: str = ""                  # BROKEN: why, one line, for the admin
    sso: Any = None                    # server origin -> app.sso.SsoSetting ("sso" in the file)

    def sso_for(self, server: str) -> Any:
        """The page's single sign-on setting for ``server`` (client id at its
        provider, allowed issuers): the file's, else the default."""
        from app.sso import DEFAULT_SETTING
        return (self.sso or {}).get(server, DEFAULT_SETTING)

    @property
    def bound(self) -> bool:
        return self.mode == BOUND

    @property
    def usable(self) -> bool:
        return self.mode != BROKEN

    def allows(self, origin: str) -> bool:
        """May credentials go to ``origin``? BOUND: only a listed one; OPEN: any
        canonical origin; BROKEN: none."""
        if self.mode == BOUND:
            return origin in self.servers
        if self.mode == OPEN:
            try:
                return parse_origin(origin) == origin
            except OriginError:
                return False
        return False

    def to_json(self) -> str:
        """What is remembered (not secret) for a visit when the host cannot be reached."""
        out: dict = {"servers": list(self.servers)}
        if self.sso:
            out["sso"] = {k: {"client_id": v.client_id, "issuers": list(v.issuers)}
                          for k, v in self.sso.items()}
        return json.dumps(out)


def _from_list(servers: tuple[str, ...], sso: Optional[dict] = None) -> Config:
    return Config(BOUND, servers, sso=sso or None) if servers else Config(OPEN, sso=sso or None)


def config_from_response(status: int, body: bytes) -> Config:
    """The host's answer for ``config.json``: 404 = no file = OPEN; 200 = its list;
    anything else (another status, a bad file) = BROKEN."""
    if status == 404:
        return Config(OPEN)
    if status != 200:
        return Config(BROKEN, problem=f"config.json could not be read (HTTP {int(status)})")
    try:
        return _from_list(*_parse(body))
    except ConfigError as exc:
        return Config(BROKEN, problem=f"config.json {exc}")


def config_without_answer(remembered: Optional[str]) -> Config:
    """No answer at all for ``config.json`` (offline, host down). The settings
    this browser last read from this page's host still hold (offline use after
    a visit); with none, sign-in stays closed."""
    if remembered:
        try:
            return _from_list(*_parse(str(remembered)))
        except ConfigError:
            pass
    return Config(BROKEN, problem="config.json could not be loaded (no connection to this page's host)")


def shown(origin: str) -> str:
    """The origin as the page shows it where a password goes: the ASCII host
    (and port), with ``http://`` spelled out since it is not encrypted."""
    o = str(origin or "")
    return o[len("https://"):] if o.startswith("https://") else o


@dataclass(frozen=True)
class Choice:
    server: str = ""                # the server sign-in will use ("" = none yet)
    ignored: bool = False           # ?server= named something that was not used
    remembered: bool = False        # server came from the address remembered after a sign-in


def choose(config: Config, linked: Optional[str], remembered: Optional[str]) -> Choice:
    """The server the sign-in card starts with.

    BOUND: a linked server only when it is in the list, then the remembered one
    when it still is, then the first. OPEN: the linked one prefills (when it is
    a server address at all), else the remembered one. BROKEN: none."""
    if not config.usable:
        return Choice()
    link = _canonical_or_none(linked)
    mem = _canonical_or_none(remembered)
    asked = linked is not None and str(linked).strip() != ""
    if config.bound:
        if link and link in config.servers:
            return Choice(link)
        if mem and mem in config.servers:
            return Choice(mem, ignored=asked, remembered=True)
        return Choice(config.servers[0], ignored=asked)
    if link:
        return Choice(link)
    if mem:
        return Choice(mem, ignored=asked, remembered=True)
    return Choice("", ignored=asked)


def _canonical_or_none(raw: Optional[str]) -> Optional[str]:
    if raw is None:
        return None
    try:
        return canonical_origin(str(raw))
    except InvalidInput:
        return None


def kept_session(data: Any, server: str) -> Optional[Credentials]:
    """The sign-in kept in this tab ("stay signed in": a token, an API key or a
    0.16 app password), only when it was kept for ``server``, the server the
    page is about to use. A ``?server=`` to another origin in the same tab must
    never receive it."""
    if not isinstance(data, dict) or not server:
        return None
    if not isinstance(data.get("server"), str) or data["server"] != server:
        return None
    return credentials_from_storage(data)


def blocked_by_policy(config: Config, origin: str) -> str:
    """What a connection blocked by this page's own Content-Security-Policy
    means (the browser's ``securitypolicyviolation``, its ``blockedURI`` as an
    origin), as the message key that tells the page's administrator what to
    change. Measured in Chromium: for a redirect it follows, the violation
    names the URL the page asked for, not the target; the page follows no
    redirect (``app.http``), so a redirect is its own error
    (``app.errors.Redirected``) and never meets the policy.

    * ``ui.csp.listed_not_allowed``: bound mode, and config.json lists
      ``origin`` (a server, or an OpenID provider of its "sso"): the policy's
      connect-src lacks what the file allows;
    * ``ui.csp.blocked``: the origin is not allowed at all (config.json and
      connect-src), e.g. an http server in open mode, whose policy allows https."""
    if config.bound:
        issuers = (i for s in (config.sso or {}).values() for i in getattr(s, "issuers", ()))
        listed = set(config.servers) | {origin_of(i) for i in issuers}
        if origin in listed:
            return "ui.csp.listed_not_allowed"
    return "ui.csp.blocked"
