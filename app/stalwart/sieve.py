"""Filters and auto-replies on the server: read them, turn one off.

The security checkup's server side, both generations (standard JMAP for Sieve,
RFC 9661, and VacationResponse, RFC 8621; docs/stalwart-contract.md §7). It
takes the account's ``Connection`` and never parses a script (``app.checkup``
does):

    filters = await read_filters(conn)                 # Filters
    change  = await turn_off_script(conn, script_id, state=filters.state)
    change  = await turn_off_auto_reply(conn)          # FilterChange(filters, confirmed)

One JMAP request reads the scripts with their text (``Blob/get`` by result
reference), the auto-reply and the account's addresses (``Identity/get``);
a script whose text that request did not give is downloaded from the
session's ``downloadUrl`` (the active one, and the others only when a script
includes others). Each change goes out with the re-read in the same request.
When its answer is lost, the filters are read again and the change counts as
done when the re-read shows it (``confirmed == "checked"``); otherwise
``AnswerLost`` (with ``state`` = the fresh ``Filters``), or ``OutcomeUnknown``
when the re-read fails too. What the credentials may not read is an
``Access`` that is not ok, never an empty list.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Optional
from urllib.parse import quote

from app import jmap
from app.errors import AnswerLost, MethodError, OutcomeUnknown, ProtocolError, StalwartError
from app.stalwart.changes import MAYBE_APPLIED
from app.stalwart.state import ALLOWED, NOT_PERMITTED, UNREADABLE, Access
from app.vocab import Area, Confirmed

SIEVE = "urn:ietf:params:jmap:sieve"
VACATION = "urn:ietf:params:jmap:vacationresponse"
BLOB = "urn:ietf:params:jmap:blob"
SUBMISSION = "urn:ietf:params:jmap:submission"
BY_ANSWER, BY_CHECK = Confirmed.BY_ANSWER, Confirmed.BY_CHECK

# The permission behind each capability (§7.1), named as the generation names it.
_PERMS = {
    SIEVE: ("jmapSieveScriptGet", "jmap-sieve-script-get"),
    VACATION: ("jmapVacationResponseGet", "jmap-vacation-response-get"),
}
_SCRIPT_CHANGE = ("jmapSieveScriptCreate", "jmapSieveScriptUpdate", "jmapSieveScriptDestroy")
_VACATION_CHANGE = ("jmapVacationResponseCreate", "jmapVacationResponseUpdate", "jmapVacationResponseDestroy")


@dataclass(frozen=True)
class Script:
    """One Sieve script. ``content`` is its text as bytes, None when the page
    could not get it (the checkup then calls the filter unreadable)."""
    id: str
    name: str
    active: bool
    blob_id: Optional[str] = None
    content: Optional[bytes] = None

    @property
    def is_auto_reply(self) -> bool:
        """The script the server keeps for the VacationResponse (§7.4)."""
        return self.name.lower() == "vacation"


@dataclass(frozen=True)
class AutoReply:
    """The VacationResponse. Dates are UTCDate strings or None."""
    enabled: bool
    subject: Optional[str] = None
    text_body: Optional[str] = None
    html_body: Optional[str] = None
    from_date: Optional[str] = None
    to_date: Optional[str] = None


@dataclass(frozen=True)
class Filters:
    """What the checkup reads about filters and auto-replies.

    * ``scripts`` None when they could not be read (``scripts_access`` says why);
    * ``auto_reply`` None when not read (``auto_reply_access``), and
      ``AutoReply(False)`` when there is none;
    * ``addresses``: the account's own addresses (identities, the account name
      and the user name when they are addresses);
    * ``state``: the Sieve state the scripts were read in (``ifInState``);
    * ``change_scripts`` / ``change_auto_reply``: whether these credentials may
      turn them off (0.16 knows the permissions; 0.11-0.15 let the server decide).
    """
    scripts_access: Access
    scripts: Optional[tuple[Script, ...]]
    auto_reply_access: Access
    auto_reply: Optional[AutoReply]
    addresses: tuple[str, ...] = ()
    state: Optional[str] = None
    change_scripts: Access = ALLOWED
    change_auto_reply: Access = ALLOWED

    @property
    def active(self) -> Optional[Script]:
        return next((s for s in self.scripts or () if s.active), None)

    def by_name(self) -> dict[str, Optional[bytes]]:
        """Every script's text by name (what ``include`` looks up)."""
        return {s.name: s.content for s in self.scripts or ()}

    def find(self, script_id: str) -> Optional[Script]:
        return next((s for s in self.scripts or () if s.id == script_id), None)


@dataclass(frozen=True)
class FilterChange:
    """What a change did: the fresh ``filters``; ``confirmed`` "answer" (the
    server said so) or "checked" (its answer was lost; the re-read shows it)."""
    filters: Filters
    confirmed: str = BY_ANSWER


class FiltersChanged(StalwartError):
    """The filters changed since the page read them (``ifInState`` refused):
    nothing was changed; ``state`` is the fresh ``Filters`` to show first."""
    key = "err.checkup.filters_changed"
    retryable = True

    def __init__(self, state: Filters):
        super().__init__()
        self.state = state


# ----------------------------------------------------------------------- reading

def _has(conn, cap: str) -> bool:
    return cap in (conn.session.account_capabilities or {})


def _perm(conn, cap: str) -> str:
    new, old = _PERMS[cap]
    return new if conn.generation == "0.16" else old


def _change_access(conn, names: tuple) -> Access:
    perms = conn.permissions
    if conn.generation != "0.16" or perms is None or any(p in perms for p in names):
        return ALLOWED
    return Access(NOT_PERMITTED, names)


def _read_calls(conn) -> tuple[list, list]:
    calls, using = [], [jmap.CORE]
    if _has(conn, SIEVE):
        using.append(SIEVE)
        calls.append(["SieveScript/get", {"accountId": conn.session.account_id, "ids": None}, "sv"])
        if _has(conn, BLOB):
            using.append(BLOB)
            calls.append(["Blob/get", {"accountId": conn.session.account_id,
                                       "#ids": {"resultOf": "sv", "name": "SieveScript/get",
                                                "path": "/list/*/blobId"},
                                       "properties": ["data:asText"]}, "sb"])
    if _has(conn, VACATION):
        using.append(VACATION)
        calls.append(["VacationResponse/get", {"accountId": conn.session.account_id, "ids": None}, "vr"])
    if _has(conn, SUBMISSION):
        using.append(SUBMISSION)
        calls.append(["Identity/get", {"accountId": conn.session.account_id, "ids": None,
                                       "properties": ["email"]}, "id"])
    return calls, using


async def _post(conn, calls: list, using: list) -> jmap.Responses:
    """One JMAP request with our own ``using`` (never urn:stalwart:jmap: these
    are standard methods, and 0.11-0.15 refuse that URI)."""
    body = json.dumps({"using": using, "methodCalls": calls}, separators=(",", ":")).encode()
    resp = await jmap.send(conn.fetch, "POST", conn.session.api_url,
                           jmap.headers_for(conn.authorization(), "application/json"), body, conn.origin)
    jmap.raise_for_status(resp, conn.generation)
    return jmap.parse_responses(jmap.parse_json(resp))


def _access_of(err: MethodError, permission: str) -> Access:
    if err.error_type == "forbidden":
        return Access(NOT_PERMITTED, (permission,), err.server_text)
    return Access(UNREADABLE, (), err.server_text or err.error_type)


def _s(v) -> Optional[str]:
    return v if isinstance(v, str) else None


def _parse(conn, r: jmap.Responses) -> Filters:
    scripts_access: Access = Access(NOT_PERMITTED, (_perm(conn, SIEVE),))
    scripts = None
    state = None
    if _has(conn, SIEVE):
        try:
            args = r.get("sv")
            state = _s(args.get("state"))
            texts = _blob_texts(r)
            scripts = tuple(Script(str(o["id"]), _s(o.get("name")) or "", o.get("isActive") is True,
                                   _s(o.get("blobId")), texts.get(_s(o.get("blobId")) or ""))
                            for o in jmap.get_list(args) if isinstance(o.get("id"), str))
            scripts_access = ALLOWED
        except MethodError as e:
            scripts_access = _access_of(e, _perm(conn, SIEVE))
    auto_access: Access = Access(NOT_PERMITTED, (_perm(conn, VACATION),))
    auto = None
    if _has(conn, VACATION):
        try:
            lst = jmap.get_list(r.get("vr"))
            o = next((x for x in lst if x.get("id") == "singleton"), None)
            # none yet: 0.16.18 lists it disabled, 0.15.5 puts it in notFound (§7.4)
            auto = AutoReply(False) if o is None else AutoReply(
                o.get("isEnabled") is True, _s(o.get("subject")), _s(o.get("textBody")),
                _s(o.get("htmlBody")), _s(o.get("fromDate")), _s(o.get("toDate")))
            auto_access = ALLOWED
        except MethodError as e:
            auto_access = _access_of(e, _perm(conn, VACATION))
    addresses = [a for a in (conn.session.username,) if a and "@" in a]
    if _has(conn, SUBMISSION):
        try:
            addresses += [o["email"] for o in jmap.get_list(r.get("id")) if isinstance(o.get("email"), str)]
        except MethodError:
            pass  # the addresses above still count
    return Filters(scripts_access, scripts, auto_access, auto, tuple(dict.fromkeys(addresses)), state,
                   _change_access(conn, _SCRIPT_CHANGE), _change_access(conn, _VACATION_CHANGE))


def _blob_texts(r: jmap.Responses) -> dict:
    """blobId -> bytes from the Blob/get answer (a refused Blob/get gives none)."""
    try:
        args = r.get("sb")
    except (MethodError, ProtocolError):
        return {}
    out = {}
    for o in jmap.get_list(args):
        text = o.get("data:asText")
        if isinstance(o.get("id"), str) and isinstance(text, str) and not o.get("isEncodingProblem"):
            out[o["id"]] = text.encode("utf-8")
    return out


async def _download(conn, script: Script) -> Optional[bytes]:
    """The script's text from the session's downloadUrl; None when refused."""
    tmpl = conn.session.download_url
    if not tmpl or not script.blob_id:
        return None
    url = (tmpl.replace("{accountId}", quote(conn.session.account_id, safe=""))
           .replace("{blobId}", quote(script.blob_id, safe=""))
           .replace("{name}", quote((script.name or "script") + ".sieve", safe=""))
           .replace("{type}", quote("application/sieve", safe="")))
    hdrs = {"Authorization": conn.authorization()}  # Accept: any (the blob is not JSON)
    resp = await jmap.send(conn.fetch, "GET", url, hdrs, None, conn.origin)
    if resp.status in (403, 404):
        return None
    jmap.raise_for_status(resp, conn.generation)
    return resp.body


async def _complete(conn, f: Filters) -> Filters:
    """Download the texts the request did not carry: the active script's, and
    every other one when a script may include others."""
    if not f.scripts:
        return f
    active = f.active
    need_all = any(s.content is not None and b"include" in s.content for s in f.scripts) or (
        active is not None and active.content is None)
    wanted = [s for s in f.scripts if s.content is None and (need_all or s.active)]
    if not wanted:
        return f
    got = {}
    for s in wanted:
        got[s.id] = await _download(conn, s)
    scripts = tuple(replace(s, content=got[s.id]) if s.id in got else s for s in f.scripts)
    f = replace(f, scripts=scripts)
    # an included script's text arrived: it may include yet others
    if not need_all and any(c is not None and b"include" in c for c in got.values()):
        return await _complete(conn, f)
    return f


async def read_filters(conn) -> Filters:
    """Scripts (with their text), auto-reply and addresses: one JMAP request,
    plus a download per script whose text it lacked. Raises the transport's
    typed errors (``TimedOut``, ``CannotReach``, ``AuthRequired``…)."""
    calls, using = _read_calls(conn)
    if not calls:
        return _parse(conn, jmap.Responses([]))
    return await _complete(conn, _parse(conn, await _post(conn, calls, using)))


# ----------------------------------------------------------------------- changes

async def turn_off_script(conn, script_id: str, state: Optional[str] = None) -> FilterChange:
    """Stop the active script ``script_id`` running (it stays stored, inactive).

    The server can only "deactivate whichever script is active", so the change
    always carries ``ifInState``: ``state`` (``Filters.state`` of what the user
    saw), else the filters are read first (one more request). When they changed
    since, nothing is changed: ``FiltersChanged`` with the fresh filters. A
    script that is not active (any more) needs nothing: the fresh filters."""
    def done(f: Filters) -> bool:
        s = f.find(script_id)
        return s is None or not s.active

    if state is None:
        first = await read_filters(conn)
        if done(first):
            return FilterChange(first, BY_CHECK)
        state = first.state
    calls, using = _read_calls(conn)
    if SIEVE not in using:
        using.append(SIEVE)
    args = {"accountId": conn.session.account_id, "onSuccessDeactivateScript": True}
    if state:
        args["ifInState"] = state
    change = ["SieveScript/set", args, "set"]
    return await _change(conn, change, calls, using, done, Area.FILTER)


async def turn_off_auto_reply(conn) -> FilterChange:
    """``VacationResponse.isEnabled = false`` (the text stays for next time)."""
    calls, using = _read_calls(conn)
    if VACATION not in using:
        using.append(VACATION)
    change = ["VacationResponse/set", {"accountId": conn.session.account_id,
                                       "update": {"singleton": {"isEnabled": False}}}, "set"]

    def done(f: Filters) -> bool:
        return f.auto_reply is not None and not f.auto_reply.enabled

    return await _change(conn, change, calls, using, done, Area.AUTO_REPLY)


async def _change(conn, change: list, reads: list, using: list, done, what: Area) -> FilterChange:
    try:
        r = await _post(conn, [change, *reads], using)
    except MAYBE_APPLIED as lost:
        try:
            fresh = await read_filters(conn)
        except StalwartError as check:
            raise OutcomeUnknown(what, lost, check) from None
        if done(fresh):
            return FilterChange(fresh, BY_CHECK)
        raise AnswerLost(lost, fresh) from None
    fresh = await _complete(conn, _parse(conn, r))
    err = r.error("set")
    if err is not None:
        if err.error_type == "stateMismatch":
            raise FiltersChanged(fresh)
        err.state = fresh
        raise err
    res = jmap.parse_set(r.get("set"))
    if what == Area.AUTO_REPLY and "singleton" in res.not_updated:
        e = res.not_updated["singleton"]
        e.state = fresh
        raise e
    return FilterChange(fresh, BY_ANSWER)


__all__ = ["Script", "AutoReply", "Filters", "FilterChange", "FiltersChanged", "read_filters",
           "turn_off_script", "turn_off_auto_reply"]
