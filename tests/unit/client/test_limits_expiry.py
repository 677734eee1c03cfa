"""Expired passwords and limited credentials (app.stalwart.rights), against
the contract server: an expired password cuts a sign-in down to changing it
(and only that sign-in: app passwords keep their rights); a credential made
with "block changes to account security" cannot make another credential on
any version; a narrower limit that keeps those rights can be undone before
0.16.15, which the page can tell with one request that changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from app import stalwart
from app.auth import Basic
from app.errors import MethodError, SetError
from app.http import urllib_fetch
from app.stalwart import rights, v016
from app.stalwart.models import Created
from app.stalwart import state as S
from client_fakes import run

from tests import fakestalwart as fake

EXPIRED = "expired@example.com"
EXPIRED_PW = fake.DEMO_PASSWORDS[EXPIRED]
ALICE = "alice@example.com"
ALICE_PW = fake.DEMO_PASSWORDS[ALICE]
NEW_PW = "Tangerine orbit lighthouse 73!"


def sign_in(srv, creds):
    return run(stalwart.sign_in(srv.url, creds, urllib_fetch))


def app_password(srv, login, password, **kw):
    out = run(sign_in(srv, Basic(login, password)).create_app_password("Mail app", **kw))
    return Basic(login, out.created.secret)


# =========================================================================================
# the expired password
# =========================================================================================
def test_expired_password_is_told_from_what_the_server_allows(srv016):
    acc = sign_in(srv016, Basic(EXPIRED, EXPIRED_PW))
    st = acc.state
    assert st.password.expired is True and st.next_step == S.NEXT_CHANGE_PASSWORD
    assert st.password.can(S.CHANGE)
    for f in (st.app_passwords, st.api_keys, st.encryption):
        assert f.access.status == S.PASSWORD_EXPIRED and not f.can(S.CREATE)
    assert st.app_passwords.items is None  # not "none": it could not be read

    out = run(acc.change_password(EXPIRED_PW, NEW_PW))
    st = out.state
    assert st.password.expired is False and st.app_passwords.access.ok and st.app_passwords.count == 0
    assert st.next_step != S.NEXT_CHANGE_PASSWORD
    assert st.encryption.can(S.UPLOAD_AND_ENABLE)


def test_an_app_password_keeps_its_rights_when_the_password_expires(srv016):
    """access_token.rs cuts scope 0 (the password and OAuth tokens); a
    credential's own scope was derived from the full rights."""
    acct = srv016.accounts[EXPIRED]
    acct.password_expires_at = None
    creds = app_password(srv016, EXPIRED, EXPIRED_PW, block_security_changes=False)
    acct.password_expires_at = fake.model.utc_now() - dt.timedelta(minutes=1)
    st = sign_in(srv016, creds).state
    assert st.password.expired is False and st.app_passwords.access.ok and st.app_passwords.can(S.CREATE)
    assert sign_in(srv016, Basic(EXPIRED, EXPIRED_PW)).state.password.expired is True


def test_the_expired_cut_follows_the_source():
    cut = rights.EXPIRED_PASSWORD_PERMISSIONS
    assert cut == {"authenticate", "authenticateWithAlias", "sysAccountPasswordGet",
                   "sysAccountPasswordUpdate", "emailReceive"}
    assert rights.password_expired(cut) is True
    assert rights.password_expired({"sysAccountPasswordUpdate"}) is True  # a role with less than the cut
    assert rights.password_expired(cut | {"jmapEmailGet"}) is False
    assert rights.password_expired(cut - {"sysAccountPasswordUpdate"}) is False
    assert rights.password_expired(None) is None


def test_an_account_limited_to_password_rights_by_its_role_is_called_expired(srv016):
    """What the page cannot tell apart: the same permissions as the cut.
    Changing the password is then the one thing it can offer anyway."""
    srv016.accounts[ALICE].permissions = set(rights.EXPIRED_PASSWORD_PERMISSIONS)
    assert sign_in(srv016, Basic(ALICE, ALICE_PW)).state.password.expired is True


def test_a_role_without_self_service_rights_is_not_an_expired_password(srv016):
    """Every read but the password refused, as after the cut, yet the
    permissions say more than the cut: not permitted, not expired."""
    srv016.accounts[ALICE].permissions = set(rights.EXPIRED_PASSWORD_PERMISSIONS) | {"jmapEmailGet"}
    st = sign_in(srv016, Basic(ALICE, ALICE_PW)).state
    assert st.password.expired is False and st.next_step == S.NEXT_TURN_ON_TWO_FACTOR
    assert st.app_passwords.access.status == S.NOT_PERMITTED


# =========================================================================================
# limited credentials stay limited
# =========================================================================================
def test_the_block_takes_every_credential_right_away():
    patch = v016.block_security_changes_patch()
    assert not rights.keeps_credential_rights(patch)
    for right in rights.CREDENTIAL_RIGHTS:  # each one alone would reopen the door
        narrower = {"@type": "Disable", "permissions": {p: True for p in v016.SECURITY_PERMISSIONS
                                                        if p != right}}
        assert rights.keeps_credential_rights(narrower)
        assert rights.limit_can_be_undone(narrower, limits_hold=False)
        assert not rights.limit_can_be_undone(narrower, limits_hold=True)
        assert not rights.limit_can_be_undone(narrower, limits_hold=None)  # says only what it knows
    assert rights.keeps_credential_rights({"@type": "Replace", "permissions": {"sysApiKeyCreate": True}})
    assert not rights.keeps_credential_rights({"@type": "Replace", "permissions": {"jmapEmailGet": True}})
    assert not rights.limit_can_be_undone({"@type": "Inherit"}, limits_hold=False)  # no limit to undo


@pytest.mark.parametrize("version", ["0.16.14", "0.16.18"])
def test_a_blocked_credential_cannot_make_a_credential(srv016, version):
    srv016.version = version
    limited = app_password(srv016, ALICE, ALICE_PW)  # block_security_changes=True is the default
    acc = sign_in(srv016, limited)
    st = acc.state
    assert not st.app_passwords.can(S.CREATE) and not st.api_keys.can(S.CREATE)
    before = (dict(srv016.accounts[ALICE].app_passwords), dict(srv016.accounts[ALICE].api_keys))
    # the server itself refuses, whatever the page would offer
    for obj in ("AppPassword", "ApiKey"):
        with pytest.raises(MethodError) as e:
            create_raw(acc, obj, {"description": "escape", "permissions": {"@type": "Inherit"}})
        assert e.value.error_type == "forbidden"
    assert (srv016.accounts[ALICE].app_passwords, srv016.accounts[ALICE].api_keys) == before


def create_raw(acc, obj, o):
    """Create an app password / API key with any permissions patch, as a client
    other than this page could (the page itself only offers the full block):
    the driver's own request and error parsing, without the account's checks."""
    async def go():
        drv = acc._driver
        r, st = await drv.exchange([(f"x:{obj}/set", {"create": {"new": o}}, "s")])
        res = drv._set(r, "s", obj, "Create", st)
        if "new" in res.not_created:
            raise drv._refused(res.not_created["new"], st)
        got = res.require_created("new")
        return Created(got["id"], got["secret"], o["description"]), st
    return run(go())


def narrower_limit(srv):
    """A limit that forgets the API-key rights: what 0.16.15 fixed."""
    sign = sign_in(srv, Basic(ALICE, ALICE_PW))
    out = create_raw(sign, "AppPassword", {
        "description": "narrow", "permissions": {"@type": "Disable", "permissions": {
            "sysAccountPasswordUpdate": True}}})
    return Basic(ALICE, out[0].secret)


def test_before_0_16_15_a_narrower_limit_can_be_undone(srv016):
    srv016.version = "0.16.14"
    acc = sign_in(srv016, narrower_limit(srv016))
    assert not acc.state.password.can(S.CHANGE)
    created, _ = create_raw(acc, "ApiKey", {"description": "wider",
                                             "permissions": {"@type": "Inherit"}})
    from app import auth
    wider = sign_in(srv016, auth.api_key(created.secret))
    assert wider.state.password.can(S.CHANGE)  # the account's full rights again


def test_from_0_16_15_the_server_keeps_it(srv016):
    acc = sign_in(srv016, narrower_limit(srv016))
    with pytest.raises(SetError) as e:
        create_raw(acc, "ApiKey", {"description": "wider", "permissions": {"@type": "Inherit"}})
    assert e.value.error_type == "forbidden" and "sysAccountPasswordUpdate" in e.value.server_text
    # an equally limited key is fine
    created, _ = create_raw(acc, "ApiKey", {
        "description": "same", "permissions": {"@type": "Disable", "permissions": {"sysAccountPasswordUpdate": True}}})
    assert created.secret


@pytest.mark.parametrize("version,holds", [("0.16.14", False), ("0.16.15", True), ("0.16.18", True)])
@pytest.mark.parametrize("how", ["password", "blocked app password"])
def test_the_page_can_tell_whether_limits_hold(srv016, version, holds, how):
    srv016.version = version
    creds = Basic(ALICE, ALICE_PW) if how == "password" else app_password(srv016, ALICE, ALICE_PW)
    acc = sign_in(srv016, creds)
    assert acc.state.app_passwords.options.limits_hold is None  # not asked at sign-in
    settings = dict(srv016.accounts[ALICE].encryption)
    sent = srv016.request_count("/jmap/", "POST")
    assert run(acc.check_limits()) is holds
    assert run(acc.check_limits()) is holds  # asked once
    assert srv016.request_count("/jmap/", "POST") == sent + 1
    assert srv016.accounts[ALICE].encryption == settings  # the probe changed nothing
    for f in (acc.state.app_passwords, acc.state.api_keys):
        assert f.options.limits_hold is holds
    assert run(acc.load()).app_passwords.options.limits_hold is holds  # and it stays known


def test_legacy_has_no_limits_to_hold(srvlegacy):
    acc = sign_in(srvlegacy, Basic("alice", ALICE_PW))
    assert run(acc.check_limits()) is None
