"""Read a Sieve filter for what makes mail leave the account.

``read_filter(name, scripts, domains)`` parses the script called ``name``
(the active one) with sievelib, follows its ``include :personal`` into the
other scripts (by name, like the server), and returns a ``FilterReport``:
every address it redirects or notifies to (with ``:copy``, whether only some
mail is concerned, and which included script it is in), whether it sends
auto-replies, or why it could not be read. A script the page cannot read
completely is never reported as harmless: ``unreadable`` is set and the
checkup turns it into a finding of its own.

What counts, from what Stalwart does with a script (docs/stalwart-contract.md
§7.5): ``redirect`` (with or without ``:copy``) and ``notify`` (its ``mailto:``
recipients; any other method is an unknown target) send mail elsewhere;
``vacation`` answers senders; ``fileinto`` only reaches the account's own
folders on Stalwart and is not reported; ``include :global`` runs an
administrator's script, which users cannot change, and is not followed.

Strings are decoded as the server does: quoted strings lose their escapes,
``text:`` strings their dot-stuffing, and with ``require "encoded-character"``
``${hex:…}``/``${unicode:…}`` become characters. A target still holding
``${`` afterwards is built from a variable at delivery time: an UNKNOWN target.

Bounded: scripts over ``MAX_SCRIPT_BYTES`` are not parsed (too large), the
walk over the parsed tree is iterative, includes are followed at most
``MAX_INCLUDE_DEPTH`` deep, and any failure inside the parser (recursion,
a parser bug) makes the script unreadable, never clean.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Union

from app.checkup.addresses import mailto_recipients, scope_of
from app.checkup.kinds import Scope, Sends, Unreadable

MAX_SCRIPT_BYTES = 2 * 1024 * 1024   # Stalwart's limits: 100 KiB (0.16), 1 MiB (0.15)
MAX_INCLUDE_DEPTH = 8                # Stalwart runs 3 nested includes by default
MAX_NODES = 200_000                  # commands and tests walked per filter


@dataclass(frozen=True)
class Target:
    """One address a filter sends to. ``address`` is None when it is built
    from a variable (then ``raw`` is the script's text for it)."""
    sends: Sends
    address: Optional[str]
    scope: Scope
    conditional: bool = False      # inside an if/elsif/else: only some mail
    via: Optional[str] = None      # the included script it is written in
    raw: str = ""


@dataclass(frozen=True)
class FilterReport:
    name: str
    targets: tuple[Target, ...] = ()
    auto_reply: bool = False          # a ``vacation`` action
    auto_reply_conditional: bool = False
    unreadable: Optional[Unreadable] = None
    detail: str = ""                  # the parser's words, for a details line
    unreadable_script: Optional[str] = None  # which script (the filter or an included one)

    @property
    def sends_mail(self) -> bool:
        return bool(self.targets)


ScriptText = Union[str, bytes, None]


def read_filter(name: str, scripts: Mapping[str, ScriptText], domains: frozenset[str]) -> FilterReport:
    """``scripts``: every script of the account by name, its text or None when
    the page could not get it. Never raises."""
    try:
        return _read(name, scripts, domains)
    except Exception as e:  # noqa: BLE001 - totality: a bug here must not say "clean"
        return FilterReport(name, unreadable=Unreadable.SYNTAX, detail=type(e).__name__,
                            unreadable_script=name)


# ----------------------------------------------------------------------- parsing

@dataclass
class _Parsed:
    commands: list
    extensions: frozenset[str]


@dataclass
class _Failed:
    reason: Unreadable
    detail: str = ""


def parse(text: ScriptText) -> Union[_Parsed, _Failed]:
    """One script -> its command tree (sievelib) and required extensions."""
    if text is None:
        return _Failed(Unreadable.NOT_DOWNLOADED)
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if len(raw) > MAX_SCRIPT_BYTES:
        return _Failed(Unreadable.TOO_LARGE, f"{len(raw)} bytes")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return _Failed(Unreadable.NOT_TEXT)
    try:
        from sievelib.parser import Parser
    except ImportError:
        return _Failed(Unreadable.NO_PARSER)
    _register_commands()
    p = Parser()
    try:
        ok = p.parse(raw)
    except RecursionError:
        return _Failed(Unreadable.SYNTAX, "nested too deeply")
    if not ok:
        return _Failed(Unreadable.SYNTAX, str(getattr(p, "error", "") or "syntax error"))
    # sievelib accepts a last command without its ";" and drops it: the server refuses it
    if getattr(p, "_Parser__curcommand", None) is not None:
        return _Failed(Unreadable.SYNTAX, "the last command is not finished")
    exts = set()
    for cmd in p.result:
        if cmd.name == "require":
            caps = cmd.arguments.get("capabilities")
            for c in caps if isinstance(caps, list) else [caps]:
                exts.add(decode_string(c, frozenset()).lower())
    return _Parsed(list(p.result), frozenset(exts))


_REGISTERED = False


def _register_commands() -> None:
    """Teach sievelib the commands Stalwart supports that it lacks and that
    filters use (RFC 6609 include/return/global, editheader, mailbox, ihave,
    ereject). Anything else unknown (``duplicate``, whose arguments are all
    optional, which sievelib's grammar cannot express for a test) stays a
    syntax error: unreadable."""
    global _REGISTERED
    if _REGISTERED:
        return
    from sievelib import commands as C

    string = lambda name, required=True: {"name": name, "type": ["string"], "required": required}  # noqa: E731
    tag = lambda name, *values, extra=None: {  # noqa: E731
        "name": name, "type": ["tag"], "values": list(values), "required": False,
        **({"extra_arg": {"type": extra}} if extra else {})}

    class IncludeCommand(C.ActionCommand):
        extension = "include"
        args_definition = [tag("location", ":personal", ":global"), tag("once", ":once"),
                           tag("optional", ":optional"), string("script")]

    class ReturnCommand(C.ActionCommand):
        extension = "include"
        args_definition = []

    class GlobalCommand(C.ActionCommand):
        extension = "include"
        args_definition = [{"name": "names", "type": ["string", "stringlist"], "required": True}]

    class AddheaderCommand(C.ActionCommand):
        extension = "editheader"
        args_definition = [tag("last", ":last"), string("field"), string("value")]

    class DeleteheaderCommand(C.ActionCommand):
        extension = "editheader"
        args_definition = [tag("index", ":index", extra="number"), tag("last", ":last"), C.comparator,
                           C.match_type, string("field"),
                           {"name": "patterns", "type": ["string", "stringlist"], "required": False}]

    class MailboxexistsCommand(C.TestCommand):
        extension = "mailbox"
        args_definition = [{"name": "names", "type": ["string", "stringlist"], "required": True}]

    class IhaveCommand(C.TestCommand):
        extension = "ihave"
        args_definition = [{"name": "names", "type": ["string", "stringlist"], "required": True}]

    class ErrorCommand(C.ActionCommand):
        extension = "ihave"
        args_definition = [string("message")]

    class ErejectCommand(C.ActionCommand):
        extension = "ereject"
        args_definition = [string("reason")]

    C.add_commands([IncludeCommand, ReturnCommand, GlobalCommand, AddheaderCommand, DeleteheaderCommand,
                    MailboxexistsCommand, IhaveCommand, ErrorCommand, ErejectCommand])
    _REGISTERED = True


# ----------------------------------------------------------------------- strings

_ENCODED = re.compile(r"\$\{(hex|unicode):([^}]*)\}", re.IGNORECASE)


def decode_string(raw, extensions: frozenset[str]) -> str:
    """A string argument as the server sees it (quoted or ``text:``; see module doc)."""
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    s = str(raw)
    if s.startswith('"') and s.endswith('"') and len(s) >= 2:
        # RFC 5228 2.4.2: "\\" and "\"" are escapes; any other backslash is dropped
        s = re.sub(r"\\(.)", r"\1", s[1:-1], flags=re.DOTALL)
    elif s[:5].lower() == "text:":
        # "text:" [comment] CRLF, lines (each with its CRLF, ".." unstuffed), "." CRLF
        _first, nl, rest = s[5:].partition("\n")
        lines = rest.split("\n") if nl else []
        while lines and lines[-1].strip() == "":
            lines.pop()
        if lines and lines[-1].rstrip("\r") == ".":
            lines.pop()
        s = "".join((line[1:] if line.startswith("..") else line) + "\n" for line in lines)
    if "encoded-character" in extensions:
        s = _ENCODED.sub(_decode_encoded, s)
    return s


def _decode_encoded(m: re.Match) -> str:
    kind, body = m.group(1).lower(), m.group(2)
    parts = body.split()
    try:
        if kind == "hex":
            if not parts or not all(re.fullmatch(r"[0-9A-Fa-f]{1,2}", p) for p in parts):
                return m.group(0)
            return bytes(int(p, 16) for p in parts).decode("utf-8")
        if not parts or not all(re.fullmatch(r"[0-9A-Fa-f]{1,6}", p) for p in parts):
            return m.group(0)
        cps = [int(p, 16) for p in parts]
        if any(c > 0x10FFFF or 0xD800 <= c <= 0xDFFF for c in cps):
            return m.group(0)  # RFC 5228: an error at run time; never an address
        return "".join(chr(c) for c in cps)
    except (UnicodeDecodeError, ValueError):
        return m.group(0)


def _has_variable(s: str) -> bool:
    return "${" in s


# ----------------------------------------------------------------------- the walk

@dataclass
class _Walk:
    scripts: Mapping[str, ScriptText]
    domains: frozenset[str]
    targets: list = field(default_factory=list)
    auto_reply: bool = False
    auto_reply_conditional: bool = False
    nodes: int = 0


def _read(name: str, scripts: Mapping[str, ScriptText], domains: frozenset[str]) -> FilterReport:
    w = _Walk(scripts, domains)
    failure = _walk_script(w, name, None, False, 0, (name,))
    if failure is not None:
        reason, detail, which = failure
        return FilterReport(name, tuple(w.targets), w.auto_reply, w.auto_reply_conditional,
                            reason, detail, which)
    return FilterReport(name, tuple(w.targets), w.auto_reply, w.auto_reply_conditional)


def _walk_script(w: _Walk, name: str, via: Optional[str], conditional: bool, depth: int,
                 chain: tuple) -> Optional[tuple]:
    """Walk one script; returns (reason, detail, script name) when it cannot be read."""
    if name not in w.scripts and via is not None:
        return None  # the server fails such an include at delivery: nothing is sent
    parsed = parse(w.scripts.get(name))
    if isinstance(parsed, _Failed):
        reason = parsed.reason
        if via is not None and reason == Unreadable.NOT_DOWNLOADED:
            reason = Unreadable.INCLUDE_MISSING
        return reason, parsed.detail, name
    exts = parsed.extensions
    stack = [(c, conditional) for c in reversed(parsed.commands)]
    while stack:
        cmd, cond = stack.pop()
        w.nodes += 1
        if w.nodes > MAX_NODES:
            return Unreadable.TOO_LARGE, f"more than {MAX_NODES} commands", name
        n = cmd.name
        args = cmd.arguments
        if n == "redirect":
            sends = Sends.REDIRECT_COPY if "copy" in args else Sends.REDIRECT
            _add(w, sends, args.get("address"), exts, cond, via)
        elif n == "notify":
            _add_notify(w, args.get("method"), exts, cond, via)
        elif n == "vacation":
            w.auto_reply = True
            w.auto_reply_conditional = w.auto_reply_conditional or cond
        elif n == "include":
            if str(args.get("location", ":personal")).lower() == ":global":
                continue  # an administrator's script (see module doc)
            target = decode_string(args.get("script", ""), exts)
            if _has_variable(target):
                return Unreadable.SYNTAX, "include of a name built at delivery time", name
            if target in chain:
                continue  # a loop: the server stops it
            if depth + 1 > MAX_INCLUDE_DEPTH:
                return Unreadable.TOO_DEEP, target, name
            failure = _walk_script(w, target, target if via is None else via, cond, depth + 1,
                                   chain + (target,))
            if failure is not None:
                return failure
        inner = cond or n in ("if", "elsif", "else")
        for child in reversed(cmd.children):
            stack.append((child, inner))
    return None


def _add(w: _Walk, sends: Sends, raw, exts, cond, via) -> None:
    value = decode_string(raw, exts)
    if _has_variable(value):
        w.targets.append(Target(sends, None, Scope.UNKNOWN, cond, via, value))
        return
    address = value.strip()
    w.targets.append(Target(sends, address, scope_of(address, w.domains), cond, via, value))


def _add_notify(w: _Walk, raw, exts, cond, via) -> None:
    value = decode_string(raw, exts)
    if _has_variable(value):
        w.targets.append(Target(Sends.NOTIFY, None, Scope.UNKNOWN, cond, via, value))
        return
    recipients = mailto_recipients(value)
    if not recipients:  # another method, or a mailto without recipient: unknown
        w.targets.append(Target(Sends.NOTIFY, None, Scope.UNKNOWN, cond, via, value))
        return
    for r in recipients:
        w.targets.append(Target(Sends.NOTIFY, r, scope_of(r, w.domains), cond, via, value))


__all__ = ["read_filter", "FilterReport", "Target", "parse", "decode_string", "MAX_SCRIPT_BYTES"]
