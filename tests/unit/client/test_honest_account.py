"""Issue 17, below the UI: what the account layer and the sign-in decide, so
that what the page says is true. Against the contract test server (both
generations): the password policy on 0.11-0.15 (the page's check is the only
guard there) and a new password equal to the current one."""
from __future__ import annotations

import pytest

from app.auth import Basic
from app.errors import SamePassword, WeakPassword
from app.vocab import Weakness
from client_fakes import run

from test_account_state import nothing_sent
from test_against_fake import ALICE, ALICE_PW, L_ALICE, NEW_PW, connect


# =========================================================================================
# 1. the password policy on 0.11-0.15: what 0.16 refuses, unless the user overrides
# =========================================================================================
@pytest.mark.parametrize("new, reason, key", [
    ("password", Weakness.COMMON, "err.weak.common"),         # a top-10 password
    ("monkey2024!", Weakness.COMMON, "err.weak.common"),      # close to a common one
    ("december1990", Weakness.GUESSABLE, "err.weak.guessable"),  # a date: score 1, no list
    ("Xq7#b", Weakness.TOO_SHORT, "err.weak.too_short"),
    ("x7" * 65, Weakness.TOO_LONG, "err.weak.too_long"),
])
def test_legacy_refuses_what_016_refuses_and_names_the_risk(srvlegacy, new, reason, key):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    assert not acc.state.password.enforces_strength  # the server itself takes anything
    e = nothing_sent(srvlegacy, acc.change_password(ALICE_PW, new, confirm=new), WeakPassword)
    assert (e.field, e.key, e.reason, e.overridable) == ("new_password", key, reason, True)
    assert e.strength.server_score < 3 or reason in (Weakness.TOO_SHORT, Weakness.TOO_LONG)
    with pytest.raises(WeakPassword):  # the check alone says so too, before any dialog
        acc.check_password_change(ALICE_PW, new, confirm=new)


def test_legacy_override_sets_the_weak_password(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    out = run(acc.change_password(ALICE_PW, "password", confirm="password", accept_weak=True))
    assert out.session == "replaced"
    assert connect(srvlegacy, Basic(L_ALICE, "password")).username == L_ALICE


def test_016_has_no_override(srv016):
    """0.16 refuses it whatever the page does: no "use it anyway", nothing sent."""
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    for accept in (False, True):
        e = nothing_sent(srv016, acc.change_password(ALICE_PW, "password", accept_weak=accept),
                         WeakPassword)
        assert (e.reason, e.overridable, e.key) == (Weakness.COMMON, False, "pw.too_weak")


def test_strong_password_passes_on_both(srvlegacy, srv016):
    for srv, login in ((srvlegacy, L_ALICE), (srv016, ALICE)):
        acc = connect(srv, Basic(login, ALICE_PW))
        assert acc.check_password_change(ALICE_PW, NEW_PW, confirm=NEW_PW)[1] == NEW_PW


# =========================================================================================
# 2. the new password is the current one
# =========================================================================================
@pytest.mark.parametrize("gen", ["0.16", "legacy"])
def test_new_password_equal_to_the_current_one_is_refused(gen, srv016, srvlegacy):
    srv, login = (srv016, ALICE) if gen == "0.16" else (srvlegacy, L_ALICE)
    acc = connect(srv, Basic(login, ALICE_PW))
    e = nothing_sent(srv, acc.change_password(ALICE_PW, ALICE_PW, confirm=ALICE_PW), SamePassword)
    assert (e.field, e.key) == ("new_password", "err.input.password_same")
    # even with "use it anyway": it would change nothing but what a change ends
    nothing_sent(srv, acc.change_password(ALICE_PW, ALICE_PW, accept_weak=True), SamePassword)
