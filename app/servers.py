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

A kept token is used only with the origin it was issued for (``kept_session``),
and a server address is remembered only after a successful sign-in (the UI's
job; ``choose`` merely ignores a remembered address the config does not allow).
"""
from __future__ import annotations

import encodings.idna  # noqa: F401  (str.encode("idna") looks its codec up by name)
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from app.auth import Bearer, credentials_from_storage
from app.errors import InvalidInput

OPEN, BOUND, BROKEN = "open", "bound", "broken"
MAX_CONFIG_BYTES = 64 * 1024
_DEFAULT_PORT = {"https": 443, "http": 80}
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


class OriginError(ValueError):
    """Not a plain canonical origin; ``str()`` is a one-line reason (for the admin)."""


class ConfigError(ValueError):
    """config.json cannot be used; ``str()`` is a one-line reason (for the admin)."""


def loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_origin(value: object) -> str:
    """``value`` itself when it is a plain canonical origin (``scheme://host[:port]``
    exactly as a browser's ``URL.origin`` writes it), else ``OriginError``.

    The same rules as serve.py's, so the file means the same to both (a unit
    test runs both on one corpus): lower-case https (http only for this
    computer), an ASCII host (punycode for international names), an IPv4 or
    bracketed IPv6 address, a port that is not the default, nothing else."""
    if not isinstance(value, str):
        raise OriginError("is not a text string")
    if not value:
        raise OriginError("is empty")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise OriginError("contains spaces or control characters")
    if not value.isascii():
        raise OriginError("contains non-ASCII characters; write an international name in punycode")
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)", value, re.S)
    if not m:
        raise OriginError("is not of the form https://host[:port]")
    scheme, authority, rest = m.groups()
    if "@" in authority:
        raise OriginError("contains a user name (@)")
    if scheme not in _DEFAULT_PORT:
        raise OriginError("must start with https:// in lower case")
    if rest:
        raise OriginError("has more than scheme://host[:port] (a path, query or fragment)")
    if authority.startswith("["):
        host, sep, port_text = authority.partition("]")
        host += "]"
        if sep != "]" or (port_text and not port_text.startswith(":")):
            raise OriginError("has a malformed IPv6 address")
        port_text = port_text[1:] if port_text else None
        try:
            addr = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise OriginError("has a malformed IPv6 address") from None
        if f"[{addr.compressed}]" != host:
            raise OriginError(f"must write the IPv6 address as [{addr.compressed}]")
    else:
        host, sep, port_text = authority.partition(":")
        port_text = port_text if sep else None
        if not host:
            raise OriginError("has no host name")
        if host != host.lower():
            raise OriginError("must be written in lower case")
        if re.fullmatch(r"[0-9.]+", host):
            try:
                if str(ipaddress.IPv4Address(host)) != host:
                    raise ValueError
            except ValueError:
                raise OriginError("has a malformed IPv4 address") from None
        elif len(host) > 253 or not all(_LABEL.match(lb) for lb in host.split(".")):
            raise OriginError("has an invalid host name")
    if port_text is not None:
        if not re.fullmatch(r"[1-9][0-9]{0,4}", port_text) or int(port_text) > 65535:
            raise OriginError("has an invalid port")
        if int(port_text) == _DEFAULT_PORT[scheme]:
            raise OriginError("names the default port")
    if scheme == "http" and not loopback(host):
        raise OriginError("uses http, which is allowed only for this computer")
    return value


def parse_config(data: bytes | str) -> tuple[str, ...]:
    """The allowed servers in a config.json text (empty = open mode); ConfigError if unusable."""
    return _parse(data)[0]


def _parse(data: bytes | str) -> tuple[tuple[str, ...], dict]:
    """(servers, single sign-on settings per server: ``app.sso.parse_sso_config``)."""
    if isinstance(data, bytes):
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"is larger than {MAX_CONFIG_BYTES} bytes")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("is not UTF-8 text") from None
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        raise ConfigError("is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ConfigError('must be a JSON object like {"servers": ["https://mail.example.com"]}')
    extra = sorted(set(obj) - {"servers", "sso"})
    if extra:
        raise ConfigError(f"has an unknown key '{_clip(extra[0])}'; the keys are \"servers\" and \"sso\"")
    if "servers" not in obj:
        raise ConfigError('has no "servers" list')
    servers = obj["servers"]
    if not isinstance(servers, list):
        raise ConfigError('"servers" must be a list of origins')
    out: list[str] = []
    for i, s in enumerate(servers):
        try:
            o = parse_origin(s)
        except OriginError as exc:
            raise ConfigError(f'entry {i + 1} of "servers" {exc}') from None
        if o not in out:
            out.append(o)
    sso: dict = {}
    if "sso" in obj:
        from app.sso import parse_sso_config
        try:
            sso = parse_sso_config(obj["sso"], tuple(out))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return tuple(out), sso


def _clip(s: str, n: int = 40) -> str:
    s = "".join(c if c.isprintable() else "?" for c in str(s))
    return s if len(s) <= n else s[:n - 1] + "…"


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


def canonical_origin(raw: str) -> str:
    """What the user typed or a link carried (``mail.example.com``,
    ``https://Mail.Example.com/path``, ``mail.exаmple.com``) as the canonical
    origin the browser will connect to, host in ASCII (``xn--…``); else
    ``InvalidInput`` with a plain reason for the server field."""
    s = str(raw or "").strip()
    if not s:
        raise InvalidInput("err.input.server", "server")
    if "://" not in s:
        s = "https://" + s
    try:
        parts = urlsplit(s)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        raise InvalidInput("err.input.server", "server") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORT or not host or "@" in parts.netloc:
        raise InvalidInput("err.input.server", "server")
    if ":" in host:
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            raise InvalidInput("err.input.server", "server") from None
    else:
        try:
            host = host.rstrip(".").encode("idna").decode("ascii").lower()
        except (UnicodeError, ValueError):
            raise InvalidInput("err.input.server", "server") from None
    tail = f":{port}" if port is not None and port != _DEFAULT_PORT[scheme] else ""
    origin = f"{scheme}://{host}{tail}"
    try:
        return parse_origin(origin)
    except OriginError:
        if scheme == "http" and not loopback(host):
            raise InvalidInput("ui.server.need_https", "server") from None
        raise InvalidInput("err.input.server", "server") from None


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


def kept_session(data: Any, server: str) -> Optional[Bearer]:
    """The token kept in this tab ("stay signed in"), only when it was issued by
    ``server``, the server the page is about to use. A ``?server=`` to another
    origin in the same tab must never receive it."""
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
        listed = set(config.servers) | {_origin_of(i) for i in issuers}
        if origin in listed:
            return "ui.csp.listed_not_allowed"
    return "ui.csp.blocked"


def _origin_of(url: str) -> str:
    try:
        p = urlsplit(url)
        return f"{p.scheme.lower()}://{p.netloc.lower()}" if p.scheme and p.netloc else ""
    except ValueError:
        return ""
