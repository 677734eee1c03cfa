"""The account layer's parts, without a server: the one driver interface, the
"answer lost -> check -> decide" helper (app.stalwart.changes), the
"is it in place?" questions (app.stalwart.checks), the input rules
(app.stalwart.validate) and the vocabularies (app.vocab)."""
from __future__ import annotations

import ast
import inspect
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from app import passwords, totp
from app.auth import Basic
from app.errors import (AnswerLost, AuthRequired, CannotReach, CodeRequired, CurrentSecretIncorrect,
                        InvalidInput, MfaRequired, OutcomeUnknown, ProtocolError, ServerError,
                        TimedOut, Unsupported, WrongCurrentSecret)
from app.stalwart import checks, validate
from app.stalwart import state as S
from app.stalwart.changes import MAYBE_APPLIED, RESENT_TWO_FACTOR, Changes
from app.stalwart.drive016 import Driver016
from app.stalwart.driver import Driver, Unread
from app.stalwart.drivelegacy import DriverLegacy
from app.stalwart.models import DISABLED, AppPassword, Encryption, PublicKey
from app.vocab import (AccessStatus, Area, CredentialKind, Generation, KeyKind, SessionEffect,
                       StrengthPolicy, Wiped)
from client_fakes import run

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


# =========================================================================================
# one driver interface
# =========================================================================================
PROTOCOL = [n for n, v in vars(Driver).items() if callable(v) and not n.startswith("_")]


@pytest.mark.parametrize("cls", [Driver016, DriverLegacy])
@pytest.mark.parametrize("name", PROTOCOL)
def test_both_drivers_implement_every_method_with_the_same_parameters(cls, name):
    want = inspect.signature(getattr(Driver, name))
    got = inspect.signature(getattr(cls, name))
    assert [(p.name, p.kind) for p in got.parameters.values()] == \
        [(p.name, p.kind) for p in want.parameters.values()], (cls, name)
    assert inspect.iscoroutinefunction(getattr(cls, name)) == \
        inspect.iscoroutinefunction(getattr(Driver, name)), (cls, name)
    assert isinstance(cls.generation, Generation)


def test_the_protocol_names_every_change():
    assert {"read", "change_password", "turn_on_totp", "replace_totp", "turn_off_totp",
            "create_credential", "revoke_credential", "upload_and_enable", "use_key",
            "disable_encryption", "delete_key"} <= set(PROTOCOL)


def test_the_account_never_asks_which_driver_it_holds():
    tree = ast.parse((ROOT / "app" / "stalwart" / "account.py").read_text())
    account = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SecurityAccount")
    names = {n.id for n in ast.walk(account) if isinstance(n, ast.Name)}
    assert not names & {"Driver016", "DriverLegacy"}
    calls = [n for n in ast.walk(account) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "isinstance"]
    assert all("driver" not in ast.unparse(c).lower() for c in calls)
    assert not any(isinstance(n, ast.Assert) for n in ast.walk(account))


class _NoNetwork:
    """A connection whose transport must not be used."""
    creds = Basic("alice", "pw")
    origin = "https://mail.example.com"

    def authorization(self):
        raise AssertionError("nothing may be sent")


@pytest.mark.parametrize("call", [
    lambda d: d.use_key("k", "Aes256", False, False),
    lambda d: d.delete_key("k"),
    lambda d: d.revoke_credential(CredentialKind.API_KEY, "k"),
])
def test_what_legacy_lacks_is_unsupported_before_anything_is_sent(call):
    with pytest.raises(Unsupported) as e:
        run(call(DriverLegacy(_NoNetwork())))
    assert e.value.access.status == AccessStatus.NOT_SUPPORTED and e.value.key == "state.not_supported"


def test_legacy_makes_the_app_password_secret_itself():
    d = DriverLegacy(_NoNetwork())
    new = d.new_credential(CredentialKind.APP_PASSWORD, "Phone", None, {}, True)
    assert new.made is not None and new.made.secret and new.made.description == "Phone"
    assert new.made.secret != d.new_credential(CredentialKind.APP_PASSWORD, "Phone", None, {}, True).made.secret
    with pytest.raises(Unsupported):
        d.new_credential(CredentialKind.API_KEY, "CI", None, {}, False)
    assert Driver016(_NoNetwork()).new_credential(CredentialKind.API_KEY, "CI", None, {}, False).made is None


# =========================================================================================
# the helper: a change whose answer may be lost
# =========================================================================================
def _state(**kw) -> S.SecurityState:
    tf = kw.pop("two_factor", True)
    enc = kw.pop("encryption", None)
    apps = kw.pop("apps", [])
    return S.SecurityState(
        sign_in=S.SignIn("alice", "https://mail.example.com", "test", S.BY_PASSWORD),
        password=S.PasswordFeature(wipes=kw.pop("wipes", ())),
        two_factor=S.TwoFactorFeature(enabled=tf),
        app_passwords=S.CredentialFeature(items=apps),
        api_keys=S.CredentialFeature(kind=CredentialKind.API_KEY, items=kw.pop("keys", [])),
        encryption=enc or S.EncryptionFeature(settings=Encryption()))


class FakeDriver:
    """Records reads; ``reads`` is what each read returns or raises, in turn."""

    def __init__(self, *reads):
        self.reads = list(reads)
        self.read_with = []

    async def read(self, area=None, creds=None):
        self.read_with.append((area, creds))
        r = self.reads.pop(0)
        if isinstance(r, Exception):
            raise r
        return r


class FakeConn:
    def __init__(self):
        self.creds = Basic("alice", "old")
        self.switched = []

    def switch(self, creds):
        self.creds = creds
        self.switched.append(creds)


def settle(driver, send, in_place=lambda st: None, **kw):
    conn = FakeConn()
    ch = Changes(driver, conn)
    return conn, run(ch.settle("act", Area.TWO_FACTOR, send, in_place, **kw))


def _sends(result):
    seen = []

    async def send(read_as):
        seen.append(read_as)
        if isinstance(result, BaseException):
            raise result
        return result
    send.seen = seen
    return send


LOST = TimedOut("https://mail.example.com", 2)


def test_an_answer_is_the_outcome():
    st = _state()
    _, out = settle(FakeDriver(), _sends(st))
    assert out.state is st and out.confirmed == "answer" and out.notice is None and out.lost is None
    assert out.session == SessionEffect.CONTINUES and out.credentials is None


def test_lost_and_in_place_is_an_outcome_confirmed_by_the_check():
    st = _state(two_factor=True)
    d = FakeDriver(st)
    _, out = settle(d, _sends(LOST), checks.two_factor_on)
    assert out.state is st and out.confirmed == "checked" and out.notice == "outcome.checked"
    assert out.lost is LOST and d.read_with == [(Area.TWO_FACTOR, None)]


@pytest.mark.parametrize("lost", [LOST, CannotReach("x"), ServerError()])
def test_lost_and_not_in_place_is_answer_lost_with_the_state(lost):
    st = _state(two_factor=False)
    with pytest.raises(AnswerLost) as e:
        settle(FakeDriver(st), _sends(lost), checks.two_factor_on)
    assert e.value.state is st and e.value.cause is lost and e.value.retryable


def test_lost_and_the_state_cannot_tell_is_outcome_unknown():
    with pytest.raises(OutcomeUnknown) as e:
        settle(FakeDriver(_state(two_factor=None)), _sends(LOST), checks.two_factor_on)
    assert e.value.key == "err.outcome_unknown.two_factor" and e.value.check_error is None


def test_lost_and_the_check_fails_too_is_outcome_unknown_naming_both():
    failed = CannotReach("x")
    with pytest.raises(OutcomeUnknown) as e:
        settle(FakeDriver(failed), _sends(LOST), checks.two_factor_on)
    assert e.value.cause is LOST and e.value.check_error is failed and not e.value.retryable


def test_lost_and_the_check_is_refused_says_sign_in_again():
    with pytest.raises(AuthRequired):
        settle(FakeDriver(AuthRequired()), _sends(LOST), checks.two_factor_on)


def test_a_lost_answer_without_a_state_still_reads_one_for_answer_lost():
    st = _state()

    async def no(): return False, None
    with pytest.raises(AnswerLost) as e:
        settle(FakeDriver(st), _sends(LOST), check=no)
    assert e.value.state is st


def test_a_refusal_is_checked_only_when_a_resent_copy_meets_it():
    refused = CurrentSecretIncorrect()
    with pytest.raises(CurrentSecretIncorrect):  # not in ``resent``: no check, no read
        settle(FakeDriver(), _sends(refused), checks.two_factor_on)
    st = _state(two_factor=True)
    _, out = settle(FakeDriver(st), _sends(CodeRequired()), checks.two_factor_on, resent=RESENT_TWO_FACTOR)
    assert out.confirmed == "checked" and out.state is st and isinstance(out.lost, CodeRequired)


@pytest.mark.parametrize("read", [_state(two_factor=False), _state(two_factor=None), CannotReach("x")])
def test_a_refusal_the_check_does_not_disprove_stands(read):
    refused = CurrentSecretIncorrect()
    with pytest.raises(CurrentSecretIncorrect) as e:
        settle(FakeDriver(read), _sends(refused), checks.two_factor_on, resent=RESENT_TWO_FACTOR)
    assert e.value is refused


def test_a_code_wanted_on_the_check_can_be_the_verdict():
    conn = FakeConn()
    ch = Changes(FakeDriver(MfaRequired(Generation.LEGACY)), conn)
    check = ch.reread(Area.TWO_FACTOR, checks.two_factor_on, creds="pw", if_code_wanted=True)
    assert run(check()) == (True, None)
    with pytest.raises(MfaRequired):
        run(Changes(FakeDriver(MfaRequired(Generation.V016)), conn).reread(
            Area.TWO_FACTOR, checks.two_factor_on)())


def test_replaced_switches_and_the_driver_reads_with_the_new_credentials():
    new = Basic("alice", "new")
    st = _state()
    send = _sends(st)
    conn, out = settle(FakeDriver(), send, session=SessionEffect.REPLACED, switch_to=new)
    assert send.seen == [new] and conn.switched == [new] and out.credentials == new
    assert out.session == SessionEffect.REPLACED


def test_ended_reads_nothing_after():
    send = _sends(None)
    conn, out = settle(FakeDriver(), send, session=SessionEffect.ENDED)
    assert send.seen == [None] and out.state is None and out.session == SessionEffect.ENDED
    assert conn.switched == []


def test_continues_reads_with_the_credentials_in_use():
    send = _sends(_state())
    conn, _ = settle(FakeDriver(), send)
    assert send.seen == [conn.creds]


@pytest.mark.parametrize("err,session,state_error", [
    (AuthRequired(), SessionEffect.ENDED, False), (MfaRequired(Generation.LEGACY), SessionEffect.ENDED, False),
    (ServerError(), SessionEffect.CONTINUES, True)])
def test_applied_but_the_read_after_failed(err, session, state_error):
    _, out = settle(FakeDriver(), _sends(Unread(err)))
    assert out.state is None and out.session == session and out.confirmed == "answer"
    assert (out.state_error is err) == state_error


@pytest.mark.parametrize("read,session", [(_state(), SessionEffect.CONTINUES),
                                          (AuthRequired(), SessionEffect.ENDED)])
def test_a_check_that_read_nothing_is_followed_by_a_read(read, session):
    async def yes(): return True, None
    d = FakeDriver(read)
    _, out = settle(d, _sends(LOST), check=yes)
    assert out.session == session and len(d.read_with) == 1
    assert (out.state is read) == (session == SessionEffect.CONTINUES)


def test_maybe_applied_is_what_may_have_reached_the_server():
    assert set(MAYBE_APPLIED) == {TimedOut, CannotReach, ServerError, ProtocolError}
    assert not issubclass(AuthRequired, MAYBE_APPLIED) and WrongCurrentSecret in RESENT_TWO_FACTOR


# =========================================================================================
# is the change in place?
# =========================================================================================
def test_two_factor_questions():
    assert checks.two_factor_on(_state(two_factor=True)) is True
    assert checks.two_factor_off(_state(two_factor=True)) is False
    assert checks.two_factor_off(_state(two_factor=False)) is True
    assert checks.two_factor_on(_state(two_factor=None)) is None and checks.two_factor_off(_state(two_factor=None)) is None


def test_credential_questions():
    old, new, other = AppPassword("a", "Phone"), AppPassword("b", "Phone"), AppPassword("c", "Laptop")
    st = _state(apps=[old, new, other])
    made = checks.credential_made(CredentialKind.APP_PASSWORD, ["a"], "Phone")
    assert made(st) is True and made(_state(apps=[old, other])) is False
    assert checks.made_now(st, CredentialKind.APP_PASSWORD, ["a"], "Phone") == [new]
    assert checks.credential_made(CredentialKind.APP_PASSWORD, [], "Phone", id="zz")(st) is False
    assert checks.credential_made(CredentialKind.APP_PASSWORD, [], "Laptop", id="c")(st) is True
    assert checks.credential_made(CredentialKind.API_KEY, [], "Phone")(st) is False  # the other list
    unread = _state()
    unread.app_passwords.items = None
    assert made(unread) is None and checks.credential_gone(CredentialKind.APP_PASSWORD, "a")(unread) is None
    assert checks.credential_gone(CredentialKind.APP_PASSWORD, "a")(st) is False
    assert checks.credential_gone(CredentialKind.APP_PASSWORD, "z")(st) is True


PGP = "-----BEGIN PGP PUBLIC KEY BLOCK-----\r\n\r\nabc\r\ndef\r\n-----END PGP PUBLIC KEY BLOCK-----\r\n"


def _enc(settings, keys=None, stores=True):
    return _state(encryption=S.EncryptionFeature(settings=settings, keys=keys, stores_keys=stores))


def test_key_questions_where_keys_are_stored():
    k = PublicKey("k1", "", PGP.replace("\r", ""), KeyKind.OPENPGP)
    up = checks.key_uploaded(PGP, KeyKind.OPENPGP, "Aes256", None)
    assert up(_enc(Encryption(), [k])) is True  # stored, not in use: half done, still "there"
    assert up(_enc(Encryption(), [])) is False
    assert up(_enc(None, [k])) is None and up(_enc(Encryption(), None)) is None
    on = Encryption(KeyKind.OPENPGP, "Aes256", "k1")
    assert checks.key_in_use("k1", "Aes256")(_enc(on, [k])) is True
    assert checks.key_in_use("k1", "Aes128")(_enc(on, [k])) is False
    assert checks.key_in_use("k2", "Aes256")(_enc(on, [k])) is False
    assert checks.key_in_use("k1", "Aes256")(_enc(None, [k])) is None
    assert checks.key_gone("k1")(_enc(on, [k])) is False and checks.key_gone("k2")(_enc(on, [k])) is True
    assert checks.key_gone("k1")(_enc(on, None)) is None
    assert checks.encryption_off(_enc(Encryption(DISABLED))) is True and checks.encryption_off(_enc(on)) is False
    assert checks.encryption_off(_enc(None)) is None


def test_key_questions_where_the_key_travels_with_the_setting():
    now = Encryption(KeyKind.SMIME, "Aes256", certs="blob2")
    up = checks.key_uploaded("x", KeyKind.SMIME, "Aes256", Encryption(DISABLED))
    assert up(_enc(now, stores=False)) is True
    assert up(_enc(Encryption(DISABLED), stores=False)) is False
    assert checks.key_uploaded("x", KeyKind.OPENPGP, "Aes256", None)(_enc(now, stores=False)) is False
    assert checks.key_uploaded("x", KeyKind.SMIME, "Aes128", None)(_enc(now, stores=False)) is False
    assert up(_enc(None, stores=False)) is None
    # on before and after with the same blob: the page cannot tell whether it changed
    same = checks.key_uploaded("x", KeyKind.SMIME, "Aes256", Encryption(KeyKind.SMIME, "Aes256", certs="blob2"))
    assert same(_enc(now, stores=False)) is None
    other = checks.key_uploaded("x", KeyKind.SMIME, "Aes256", Encryption(KeyKind.SMIME, "Aes256", certs="blob1"))
    assert other(_enc(now, stores=False)) is True


def test_same_key_ignores_line_endings_and_blank_lines_only():
    assert checks.same_key(PGP, PGP.replace("\r\n", "\n") + "\n\n")
    assert not checks.same_key(PGP, PGP.replace("abc", "abd"))


def test_what_a_password_change_wiped():
    wipes = (Wiped.APP_PASSWORDS, Wiped.TWO_FACTOR)
    before = _state(wipes=wipes, two_factor=True, apps=[AppPassword("a", "Phone")])
    assert checks.wiped(_state(two_factor=True, apps=[AppPassword("a", "x")]), _state(two_factor=False), "continues") == ()
    assert checks.wiped(before, _state(two_factor=False), SessionEffect.REPLACED) == wipes
    assert checks.wiped(before, _state(two_factor=True, apps=[AppPassword("a", "x")]), "replaced") == ()
    assert checks.wiped(before, _state(two_factor=None), SessionEffect.REPLACED) == (Wiped.APP_PASSWORDS,)
    assert checks.wiped(before, None, SessionEffect.ENDED) == wipes
    assert checks.wiped(before, None, SessionEffect.CONTINUES) == ()
    assert checks.wiped(_state(wipes=wipes, two_factor=False), None, SessionEffect.ENDED) == ()


# =========================================================================================
# input rules, each once
# =========================================================================================
@pytest.mark.parametrize("typed,want", [(" 123 456 ", "123456"), ("123\t456", "123456"),
                                        ("12345678", "12345678"), ("1 2 3 4 5 6", "123456")])
def test_a_code_as_typed(typed, want):
    assert validate.otp_code(typed, required=True) == want == totp.normalize_code(typed)


@pytest.mark.parametrize("typed", ["12345", "123456789", "12345a", "１２３４５６", "-12345"])
def test_a_code_that_is_not_one(typed):
    with pytest.raises(InvalidInput) as e:
        validate.otp_code(typed, required=False, field="new_code")
    assert (e.value.key, e.value.field) == ("err.input.code_format", "new_code")


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_no_code(empty):
    assert validate.otp_code(empty, required=False) is None
    with pytest.raises(InvalidInput) as e:
        validate.otp_code(empty, required=True)
    assert (e.value.key, e.value.field) == ("err.input.code_required", "code")


def test_expiry_dates():
    assert validate.expiry_date(date(2026, 5, 1), NOW) == "2026-05-01T23:59:59Z"
    assert validate.expiry_date(datetime(2026, 6, 1, 8, 30, 15, 999), NOW) == "2026-06-01T08:30:15Z"  # naive: UTC
    assert validate.expiry_date("  ", NOW) is None
    for past in (datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc), "2026-04-30"):
        with pytest.raises(InvalidInput) as e:
            validate.expiry_date(past, NOW)
        assert e.value.key == "err.input.expiry_past"
    for nonsense in ("2026-13-01", "tomorrow", 20260501):  # not a date is not "in the past"
        with pytest.raises(InvalidInput) as e:
            validate.expiry_date(nonsense, NOW, field="x")
        assert (e.value.key, e.value.field) == ("err.input.expiry_format", "x")


def test_allowed_ips_as_text_or_a_list():
    assert validate.allowed_ips(None) == {} and validate.allowed_ips(" , ") == {}
    assert validate.allowed_ips(["10.0.0.1", "10.1.0.0/16"]) == {"10.0.0.1": True, "10.1.0.0/16": True}
    with pytest.raises(InvalidInput) as e:
        validate.allowed_ips(["10.0.0.1", 7], field="ips")
    assert (e.value.key, e.value.field) == ("err.input.bad_ip", "ips")
    with pytest.raises(InvalidInput) as e:
        validate.allowed_ips("10.0.0.5/24")
    assert e.value.params["value"] == "10.0.0.5/24" and "10.0.0.0/24" in e.value.message


def test_options_the_server_lacks_stay_empty():
    assert validate.offered("", False, "expires") == "" and validate.offered({}, False, "allowed_ips") == {}
    assert validate.offered("x", True, "expires") == "x"
    with pytest.raises(InvalidInput) as e:
        validate.offered(True, False, "encrypt_on_append")
    assert (e.value.key, e.value.field) == ("err.input.option_unsupported", "encrypt_on_append")


def test_descriptions():
    assert validate.description("  Phone ") == "Phone" and validate.description(None, required=False) == ""
    for empty in ("  ", None, 3):
        with pytest.raises(InvalidInput):
            validate.description(empty)


def test_algorithms_offered_for_the_kind():
    offered = {KeyKind.OPENPGP: ("Aes256",), KeyKind.SMIME: ("Aes256", "Aes256Gcm")}
    assert validate.algorithm("Aes256Gcm", offered, KeyKind.SMIME) == "Aes256Gcm"
    assert validate.algorithm("Aes256Gcm", offered, KeyKind.UNKNOWN) == "Aes256Gcm"  # any offered
    for bad in ("Aes256Gcm", "aes256", None):
        with pytest.raises(InvalidInput):
            validate.algorithm(bad, offered, KeyKind.OPENPGP)


@pytest.mark.parametrize("data,key", [
    (None, "err.input.key_required"), ("", "err.input.key_required"),
    ("mQENBF... (no armor)", "err.input.key_required"),
    ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", "err.input.private_key"),
    (b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----\n",
     "err.input.private_key"),
    ("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----", "err.input.key_refused"),
])
def test_the_upload_guard(data, key):
    with pytest.raises(InvalidInput) as e:
        validate.public_key(data)
    assert (e.value.key, e.value.field) == (key, "key")


def test_a_password_change_checks_its_fields_in_the_forms_order():
    pw = S.PasswordFeature(code_required=True)
    new = "Tangerine orbit lighthouse 73!"
    assert validate.password_change(pw, "cur", new, " 123 456", new) == ("cur", new, "123456")
    for args, field in ((("", new, "123456", new), "current_password"),
                        (("cur", new, "123456", new + "x"), "confirm_password"),
                        (("cur", new, "", new), "code")):
        with pytest.raises(InvalidInput) as e:
            validate.password_change(pw, *args)
        assert e.value.field == field
    assert validate.password_change(S.PasswordFeature(code_required=False), "c", new, "", None)[2] is None


# =========================================================================================
# vocabularies
# =========================================================================================
def test_members_are_their_values_and_the_old_names_are_members():
    assert S.ENDED is SessionEffect.ENDED and S.ENDED == "ended" and f"{S.ENDED}" == "ended"
    assert S.NOT_PERMITTED is AccessStatus.NOT_PERMITTED and S.Access(S.NOT_PERMITTED).key == "state.not_permitted"
    assert {S.TURN_ON: 1}["turn_on"] == 1


def test_key_kinds():
    assert KeyKind("openpgp") is KeyKind.OPENPGP is KeyKind("pgp") and KeyKind.SMIME.label == "S/MIME"
    with pytest.raises(ValueError):
        KeyKind("pGP")  # the server's spelling is the driver's business


def test_an_unknown_policy_or_generation_is_an_error_not_legacy():
    assert passwords.assess("abc", policy="legacy").ok and passwords.assess("abc", policy="legacy").policy \
        == StrengthPolicy.ADVISORY
    assert not passwords.assess("abc", policy=StrengthPolicy.ENFORCED).ok
    with pytest.raises(ValueError):
        passwords.assess("abc", policy="0.15")
    with pytest.raises(ValueError):
        totp.validate_url("otpauth://totp/x?secret=" + "A" * 32, "0.15")
    with pytest.raises(ValueError):
        validate.new_password("Tangerine orbit lighthouse 73!", None, "0.17")
    with pytest.raises(ValueError):
        OutcomeUnknown("passwords", LOST)
