"""The account layer the UI talks to: ``sign_in`` and ``SecurityAccount``.

    account = await sign_in("https://mail.example.com", creds, browser_fetch)
    account.state                       # SecurityState: what the account can do
    outcome = await account.create_app_password("Phone", expires="2027-01-31")
    outcome.created.secret              # shown once
    outcome.state                       # the fresh state, read with the change

Each user action is ONE method: it checks the input as typed
(``app.stalwart.validate``: ``InvalidInput.field`` names the field), has the
driver (``app.stalwart.driver.Driver``, the server generation's; never asked
which) send the change and re-read the state, through ``app.stalwart.changes``,
which checks what is true when the answer was lost, and returns an
``Outcome`` or raises a typed error from ``app.errors`` (see
docs/ACCOUNT-API.md). Everything per user lives in this object: ``close()``
wipes it, and the UI drops the object.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any, Awaitable, Callable, Optional, Union

from app import jmap
from app.errors import CannotReach, InvalidInput, SignedOut, StalwartError, Unsupported
from app.http import DEFAULT_TIMEOUT, Fetch, with_timeout
from app.stalwart import checks, validate
from app.stalwart.changes import (MAYBE_APPLIED, RESENT_PASSWORD, RESENT_TWO_FACTOR, Changes,
                                  Verdict, cannot_tell)
from app.stalwart.connection import Connection
from app.stalwart.drive016 import Driver016
from app.stalwart.driver import Driver, KeyUpload, Uploaded
from app.stalwart.drivelegacy import DriverLegacy
from app.stalwart.outcomes import BY_CHECK, HalfDone, Outcome
from app.stalwart.state import (CHANGE, CONTINUES, CREATE, DELETE_KEY, DISABLE, ENDED, REPLACE,
                                REPLACED, REVOKE, TURN_OFF, TURN_ON, UPLOAD_AND_ENABLE, USE_KEY,
                                NOT_SUPPORTED, Access, Feature, SecurityState)
from app.stalwart.twofactor import TotpSetup
from app.vocab import Action, Area, CredentialKind, Generation, KeyKind, StrengthPolicy, WayIn

# Form fields named by InvalidInput.field and the other errors' ``field``.
FIELDS = ("current_password", "new_password", "confirm_password", "code", "new_code", "otp_url",
          "description", "expires", "allowed_ips", "block_security_changes", "key", "algorithm",
          "encrypt_on_append", "id")


async def sign_in(server: str, creds: Any, fetch: Fetch, *, timeout: float = DEFAULT_TIMEOUT,
                  on_credentials: Optional[Callable[[Any], None]] = None) -> "SecurityAccount":
    """Sign in and read the whole state (``account.state``): discovery (1-2
    requests), 0.16 the effective permissions (1), the state (0.16: 1;
    legacy: 2). ``on_credentials`` is called whenever the account switches
    credentials (OAuth refresh; a password change signed in with that password).
    Raises AuthRequired / MfaRequired / CannotReach (``cause == "cors"``) / TimedOut …"""
    f = with_timeout(fetch, timeout)
    try:
        session = await jmap.discover_session(server, creds.authorization_header(), f)
    except CannotReach as e:
        raise await jmap.diagnose_cannot_reach(e, f) from None
    conn = Connection(session, creds, f, on_credentials=on_credentials)
    driver: Driver = (Driver016 if conn.generation == Generation.V016 else DriverLegacy)(conn)
    account = SecurityAccount(conn, driver)
    await driver.read_permissions()
    from app import sso  # who manages the password: 0 requests unless a directory does
    conn.provider = await sso.provider_of(conn)
    await account.load()
    return account


def _action(method: Callable[..., Awaitable[Outcome]]) -> Callable[..., Awaitable[Outcome]]:
    """A user action: one at a time per account, signed in, with a state to check
    the input against; the account keeps the freshest state it (or its refusal) read."""
    @functools.wraps(method)
    async def run(self: "SecurityAccount", *args: Any, **kwargs: Any) -> Outcome:
        async with self._serial():
            await self._signed_in()
            if self.state is None:
                self.state = await self._driver.read()
            try:
                outcome = await method(self, *args, **kwargs)
            except StalwartError as e:
                if isinstance(e.state, SecurityState):
                    self.state = e.state
                raise
            if outcome.state is not None:
                self.state = outcome.state
            return outcome
    return run


class SecurityAccount:
    """One signed-in user. Create it with ``sign_in``. Every method that
    talks to the server runs one at a time (the UI should still disable a
    form while its action runs: a second click would be a second action)."""

    def __init__(self, conn: Connection, driver: Driver):
        self._conn = conn
        self._driver = driver
        self._changes = Changes(driver, conn)
        self._lock: Optional[asyncio.Lock] = None
        self._setups: list[TotpSetup] = []
        self.state: Optional[SecurityState] = None

    # --- who and where ------------------------------------------------------------------
    @property
    def username(self) -> str:
        return self._conn.username

    @property
    def server(self) -> str:
        return self._conn.origin

    @property
    def credentials(self) -> Any:
        """The credentials in use (None after ``close``)."""
        return self._conn.creds

    @property
    def closed(self) -> bool:
        return self._conn.creds is None

    def close(self) -> None:
        """Sign-out: forget credentials, permissions, state and every 2FA
        set-up this account made. Later calls raise ``SignedOut``."""
        self._conn.close()
        self.state = None
        self._driver.forget()
        for s in self._setups:
            s.discard()
        self._setups.clear()

    async def check_limits(self) -> Optional[bool]:
        """0.16: does a limit on an app password or API key hold on this server
        (0.16.15+), or could a limited credential regain full rights? One
        request, once; the answer lands in ``state.*.options.limits_hold``."""
        from app.stalwart import rights
        async with self._serial():
            if self.closed:
                raise SignedOut()
            if self._conn.limits_hold is None:
                self._conn.limits_hold = await rights.probe(self._conn)
            if self.state is not None:
                for f in (self.state.app_passwords, self.state.api_keys):
                    f.options.limits_hold = self._conn.limits_hold
            return self._conn.limits_hold

    # --- plumbing -------------------------------------------------------------------------
    def _serial(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _signed_in(self) -> None:
        if self.closed:
            raise SignedOut()
        await self._conn.refresh_if_expiring()

    def _state(self) -> SecurityState:
        if self.state is None:
            raise SignedOut()
        return self.state

    @staticmethod
    def _require(feature: Feature, action: Action) -> None:
        if not feature.can(action):
            raise Unsupported(feature.why_not(action))

    # --- reading ---------------------------------------------------------------------------
    async def load(self) -> SecurityState:
        """Read the whole state again (0.16: one request; legacy: two)."""
        async with self._serial():
            await self._signed_in()
            self.state = await self._driver.read()
            return self.state

    async def set_locale(self, locale: str) -> SecurityState:
        """Save the language the user picked in the page to the account (0.16,
        when ``state.locale_writable``), so it follows them to other browsers."""
        async with self._serial():
            await self._signed_in()
            st = self.state
            if st is None or not st.locale_writable:
                raise Unsupported(Access(NOT_SUPPORTED))
            self.state = await self._driver.set_locale(validate.secret(locale, "locale"))
            return self.state

    # --- password --------------------------------------------------------------------------
    def password_strength(self, new: str):
        """``app.passwords.Strength`` of a new password as this server judges it
        (the meter while typing; ``change_password`` refuses what it refuses)."""
        from app.passwords import assess, user_inputs_for
        policy = self.state.password.strength_policy if self.state else StrengthPolicy.ENFORCED
        return assess(new or "", user_inputs_for(self.username, self._conn.login()), policy)

    @_action
    async def change_password(self, current: str, new: str, code: Optional[str] = None, *,
                              confirm: Optional[str] = None, accept_weak: bool = False) -> Outcome:
        """Change the password (``confirm``: the second typing; ``code``: required
        when ``state.password.code_required``). A password 0.16 would refuse
        raises ``WeakPassword``; where the server takes it anyway (0.11-0.15,
        ``err.overridable``) ``accept_weak=True`` is the user's "use it anyway".
        The current password typed again raises ``SamePassword``.
        Outcome.session REPLACED (the account now uses the new password,
        ``credentials``), ENDED or CONTINUES; ``wiped``: what a 0.11-0.15 change
        removed; ``ends`` / ``keeps``: the other ways in it ended and left
        working. A lost answer (or the resent copy refused) is checked by
        signing in with the new password."""
        from app.auth import Basic, Bearer
        st0 = self._state()
        pw = st0.password
        cur, nw, c = self.check_password_change(current, new, code, confirm=confirm,
                                                accept_weak=accept_weak)
        login = self._conn.login()
        effect = self._conn.effect_of(pw.session_after_change, cur)

        async def signs_in() -> Verdict:
            return await self._driver.probe_password(login, nw), None

        out = await self._changes.settle(
            "change_password", Area.PASSWORD,
            lambda read_as: self._driver.change_password(cur, nw, c, read_as=read_as),
            check=signs_in, session=effect,
            switch_to=Basic(login, nw) if effect == REPLACED else None, resent=RESENT_PASSWORD)
        if pw.expired and out.session != ENDED and out.state_error is None:
            # The change's own re-read ran with the token of that request, which
            # the expired password had downgraded: read again with fresh eyes.
            try:
                await self._driver.read_permissions()
                out.state = await self._driver.read()
            except StalwartError as e:
                out.state_error = e
        out.wiped = checks.wiped(st0, out.state, out.session)
        out.ends, out.keeps = checks.password_change_reach(st0, out.state, out.wiped)
        creds = self._conn.creds
        if out.session == CONTINUES and WayIn.OAUTH_RENEWAL in out.ends and \
                isinstance(creds, Bearer) and creds.kind == "oauth":
            out.session_until = creds.expires_at  # its refresh is refused from now on
        out.notice = ("outcome.signin_again_new_password" if out.session == ENDED else
                      "outcome.wiped" if out.wiped else
                      "outcome.password_checked" if out.confirmed == BY_CHECK else None)
        return out

    def check_password_change(self, current: str, new: str, code: Optional[str] = None, *,
                              confirm: Optional[str] = None,
                              accept_weak: bool = False) -> tuple[str, str, Optional[str]]:
        """The input checks of ``change_password`` alone (no request), so the
        page can refuse a typo before it asks "this ends your sign-in, go on?"."""
        from app.passwords import user_inputs_for
        if self.closed:
            raise SignedOut()
        pw = self._state().password
        self._require(pw, CHANGE)
        return validate.password_change(pw, current, new, code, confirm,
                                        user_inputs_for(self.username, self._conn.login()),
                                        accept_weak=accept_weak)

    # --- two-factor -------------------------------------------------------------------------
    def start_two_factor_setup(self, issuer: Optional[str] = None) -> TotpSetup:
        """A new key for an authenticator app, made here (CSPRNG) and checked
        against the server's otpauth URL rules. Moving to a new app when 2FA
        is on (``replacing``). Nothing is sent; the UI drops the object."""
        from app import totp
        if self.closed:
            raise SignedOut()
        tf = self._state().two_factor
        replacing = tf.enabled is True
        self._require(tf, REPLACE if replacing else TURN_ON)
        secret = totp.new_secret()
        iss = issuer or totp.DEFAULT_ISSUER
        url = validate.otp_url(totp.build_url(secret, self.username, iss), self._driver.generation)
        setup = TotpSetup(self.username, iss, replacing, secret, url)
        self._setups.append(setup)
        return setup

    @_action
    async def enable_totp(self, current_password: str, otp_url: Union[str, TotpSetup],
                          current_code: Optional[str] = None, *,
                          new_code: Optional[str] = None) -> Outcome:
        """Turn two-factor on, or move it to a new app when it is on (then the
        old app's ``current_code`` is required). ``otp_url``: the new key (a
        ``TotpSetup`` or its URL); ``new_code``: typed from the new app, checked
        here first. A lost answer, or the resent copy refused for want of a
        code, is checked: turning on by a re-read (on, or a password sign-in now
        asked for a code); a new app by proving the new key's current code."""
        tf = self._state().two_factor
        cur, url, old = self.check_enable_totp(current_password, otp_url, current_code,
                                               new_code=new_code)
        d = self._driver
        if old is not None:  # moving to a new app: proved by the new key's current code
            send = lambda read_as: d.replace_totp(cur, url, old, read_as=read_as)  # noqa: E731
            check, session = (lambda: d.probe_totp(cur, url)), tf.session_after_replace
        else:  # turning on: on now, or a password sign-in is now asked for a code
            send = lambda read_as: d.turn_on_totp(cur, url, read_as=read_as)  # noqa: E731
            check = self._changes.reread(Area.TWO_FACTOR, checks.two_factor_on, if_code_wanted=True)
            session = tf.session_after_turn_on
        out = await self._changes.settle("enable_totp", Area.TWO_FACTOR, send, check=check,
                                         session=session, resent=RESENT_TWO_FACTOR)
        if isinstance(otp_url, TotpSetup):
            otp_url.discard()
        # Turning on: the password alone no longer signs in (mail apps need an app
        # password); a new app: the old app's codes stopped working.
        out.ends = (WayIn.OLD_AUTHENTICATOR,) if old is not None else (WayIn.PASSWORD,)
        out.keeps = tf.change_keeps
        return out

    def check_enable_totp(self, current_password: str, otp_url: Union[str, TotpSetup],
                          current_code: Optional[str] = None, *,
                          new_code: Optional[str] = None) -> tuple[str, str, Optional[str]]:
        """The input checks of ``enable_totp`` alone (no request): the current
        password, the new key's URL, and the old app's code when replacing."""
        if self.closed:
            raise SignedOut()
        tf = self._state().two_factor
        replacing = tf.enabled is True
        self._require(tf, REPLACE if replacing else TURN_ON)
        url = otp_url.url if isinstance(otp_url, TotpSetup) else otp_url
        return validate.new_two_factor_key(current_password, url, self._driver.generation,
                                           new_code, current_code, replacing)

    @_action
    async def disable_totp(self, current_password: str, code: str) -> Outcome:
        """Turn two-factor off (current password and current code). A legacy
        password sign-in goes on without the code (REPLACED). A lost answer is
        checked by a re-read, with the password alone where the session's
        password$code stops working once 2FA is off (402 then says it is on)."""
        from app.auth import Basic
        tf = self._state().two_factor
        self._require(tf, TURN_OFF)
        cur = validate.secret(current_password, "current_password")
        c = validate.otp_code(code, required=True)
        effect = self._conn.effect_of(tf.session_after_turn_off, cur)
        switch_to = Basic(self._conn.login(), cur) if effect == REPLACED else None
        out = await self._changes.settle(
            "disable_totp", Area.TWO_FACTOR,
            lambda read_as: self._driver.turn_off_totp(cur, c, read_as=read_as),  # type: ignore[arg-type]
            check=self._changes.reread(Area.TWO_FACTOR, checks.two_factor_off, creds=switch_to,
                                       if_code_wanted=False),
            session=effect, switch_to=switch_to, resent=RESENT_TWO_FACTOR)
        out.keeps = tf.change_keeps  # ends nothing: the password alone signs in again
        return out

    # --- app passwords and API keys -------------------------------------------------------------
    async def create_app_password(self, description: str, expires: Any = None,
                                  allowed_ips: Any = None,
                                  block_security_changes: bool = True) -> Outcome:
        """A new app password. ``expires``: the date field as typed (valid until
        the end of that day, UTC; empty: never); ``allowed_ips``: the text as
        typed (empty: any); ``block_security_changes``: it may not change
        account security. Options the server lacks (``state.app_passwords.options``)
        must stay empty. ``Outcome.created`` holds the secret (show it once);
        if the server made it and its answer was lost, ``created`` is None and
        ``notice`` "outcome.secret_lost" (0.11-0.15: the page made the secret)."""
        return await self._create(CredentialKind.APP_PASSWORD, description, expires, allowed_ips,
                                  block_security_changes)

    async def create_api_key(self, description: str, expires: Any = None,
                             allowed_ips: Any = None) -> Outcome:
        """A new API key (0.16 only: ``state.api_keys.access``); as
        ``create_app_password``."""
        return await self._create(CredentialKind.API_KEY, description, expires, allowed_ips, False)

    @_action
    async def _create(self, kind: CredentialKind, description: Any, expires: Any,
                      allowed_ips: Any, block: bool) -> Outcome:
        f = checks.credentials(self._state(), kind)
        self._require(f, CREATE)
        desc = validate.description(description)
        exp = validate.offered(validate.expiry_date(expires), f.options.expiry, "expires")
        ips = validate.offered(validate.allowed_ips(allowed_ips), f.options.allowed_ips, "allowed_ips")
        new = self._driver.new_credential(kind, desc, exp, ips,
                                          bool(block) and f.options.block_security_changes)
        before = [i.id for i in (f.items or [])]
        pages = new.made.id if new.made is not None else None  # the page made the secret: nothing lost
        made = new.made

        async def send(_read_as: Any) -> SecurityState:
            nonlocal made
            made, st = await self._driver.create_credential(new)
            return st

        out = await self._changes.settle(f"create_{kind}", Area.CREDENTIAL, send,
                                         checks.credential_made(kind, before, desc, pages))
        if out.confirmed == BY_CHECK and pages is None:
            # The server made it and its answer is gone: the secret is lost.
            item = max(checks.made_now(out.state, kind, before, desc) or [],
                       key=lambda i: (i.created_at or "", len(i.id), i.id))
            out.item, out.notice, out.params, out.unseen = \
                item, "outcome.secret_lost", {"name": desc}, (item.id,)
            return out
        out.created = made
        if out.state is not None and made is not None:
            out.item = checks.credentials(out.state, kind).find(made.id)
            # The browser's resent copy made a second one, and the answer is the
            # second one's: say so; the first one's secret is gone.
            twin = () if pages else tuple(i.id for i in checks.made_now(
                out.state, kind, before, desc) or [] if i.id != made.id)
            if twin:
                out.notice, out.params, out.unseen = "outcome.made_twice", {"name": desc}, twin
        return out

    async def revoke_app_password(self, id: str) -> Outcome:
        """Revoke an app password (one that is already gone counts as done).
        Revoking the one this session signed in with ends the session."""
        return await self._revoke(CredentialKind.APP_PASSWORD, id)

    async def revoke_api_key(self, id: str) -> Outcome:
        return await self._revoke(CredentialKind.API_KEY, id)

    @_action
    async def _revoke(self, kind: CredentialKind, id: Any) -> Outcome:
        st0 = self._state()
        f = checks.credentials(st0, kind)
        self._require(f, REVOKE)
        oid = validate.secret(id, "id", "err.set.not_found")
        own = st0.sign_in.credential_id == oid  # then nothing can be read to check it
        out = await self._changes.settle(
            f"revoke_{kind}", Area.CREDENTIAL, lambda _: self._driver.revoke_credential(kind, oid),
            checks.credential_gone(kind, oid), check=cannot_tell if own else None,
            session=ENDED if own else CONTINUES)
        out.item = f.find(oid)
        out.ends = (WayIn.CREDENTIAL,)  # whatever signs in with it; nothing else changed
        return out

    # --- encryption at rest ---------------------------------------------------------------------
    @_action
    async def upload_and_enable(self, description: str, key_text: Union[str, bytes],
                                algorithm: str, encrypt_on_append: bool = False,
                                allow_spam_training: bool = False, *,
                                emails: Optional[list[str]] = None) -> Outcome:
        """Check the key here (``app.keys``, against ``emails`` or the user name),
        upload it and turn encryption at rest on with it (also "replace the key"
        when it is on). ``description`` may be empty ("OpenPGP <fingerprint>").
        A key already stored is reused (``notice == "outcome.key_reused"``), so a
        retry never makes a copy. Stored but the setting refused: ``half_done``
        (offer ``finish_or_remove_uploaded_key``)."""
        enc = self._state().encryption
        self._require(enc, UPLOAD_AND_ENABLE)
        eoa, spam = bool(encrypt_on_append), bool(allow_spam_training)
        addrs = [e for e in (emails or []) if isinstance(e, str) and e.strip()] or \
            ([self.username] if "@" in self.username else [])
        rep = validate.public_key(key_text, addrs)
        kind = KeyKind(rep.kind)
        algo = validate.algorithm(algorithm, enc.algorithms, kind)
        validate.offered(eoa, enc.encrypt_on_append, "encrypt_on_append")
        desc = validate.description(description, required=False) or _key_label(rep, kind)
        text = rep.normalized
        existing = checks.stored_key(self._state(), text)
        if existing is not None:
            out = await self._use_key(existing.id, algo, eoa, spam, "upload_and_enable")
            out.notice = out.notice or "outcome.key_reused"
            return out
        up: Optional[Uploaded] = None

        async def send(_read_as: Any) -> SecurityState:
            nonlocal up
            up = await self._driver.upload_and_enable(
                KeyUpload(desc, text, kind, rep.emails or addrs, algo, eoa, spam))
            return up.state

        out = await self._changes.settle("upload_and_enable", Area.ENCRYPTION, send,
                                         checks.key_uploaded(text, kind, algo, enc.settings))
        e = out.state.encryption if out.state is not None else None
        key_id, why = (up.key_id, up.half_done) if up is not None else (None, None)
        if out.confirmed == BY_CHECK and e is not None and e.stores_keys:
            k = checks.stored_key(out.state, text)  # stored: in use, or half done
            key_id = k.id if k is not None else None
            if e.settings is not None and not (e.settings.enabled and e.settings.public_key == key_id):
                why = out.lost
        out.item = e.find_key(key_id) if e is not None and key_id else None
        if why is not None and key_id:
            out.half_done, out.notice, out.params = \
                HalfDone(key_id, why), "outcome.half_done", {"reason": why.message}
        return out

    @_action
    async def use_key(self, public_key_id: str, algorithm: str, encrypt_on_append: bool = False,
                      allow_spam_training: bool = False) -> Outcome:
        """Turn encryption at rest on with a stored key, or switch to it (0.16)."""
        return await self._use_key(public_key_id, algorithm, bool(encrypt_on_append),
                                   bool(allow_spam_training), "use_key")

    async def _use_key(self, key_id: Any, algorithm: Any, eoa: bool, spam: bool,
                       action: str) -> Outcome:
        enc = self._state().encryption
        self._require(enc, USE_KEY)
        kid = validate.secret(key_id, "key", "err.input.key_unknown")
        k = enc.find_key(kid)
        if k is None:
            raise InvalidInput("err.input.key_unknown", "key")
        algo = validate.algorithm(algorithm, enc.algorithms, k.kind)
        validate.offered(eoa, enc.encrypt_on_append, "encrypt_on_append")
        out = await self._changes.settle(action, Area.ENCRYPTION,
                                         lambda _: self._driver.use_key(kid, algo, eoa, spam),
                                         checks.key_in_use(kid, algo))
        out.item = out.state.encryption.find_key(kid) if out.state is not None else None
        return out

    @_action
    async def disable_encryption(self) -> Outcome:
        """Turn encryption at rest off (mail already stored stays encrypted)."""
        self._require(self._state().encryption, DISABLE)
        return await self._changes.settle("disable_encryption", Area.ENCRYPTION,
                                          lambda _: self._driver.disable_encryption(),
                                          checks.encryption_off)

    @_action
    async def delete_public_key(self, id: str) -> Outcome:
        """Delete a stored key (0.16). The key in use is refused by the server
        (SetError "objectIsLinked"): turn encryption off or switch first."""
        enc = self._state().encryption
        self._require(enc, DELETE_KEY)
        kid = validate.secret(id, "key", "err.input.key_unknown")
        out = await self._changes.settle("delete_public_key", Area.ENCRYPTION,
                                         lambda _: self._driver.delete_key(kid), checks.key_gone(kid))
        out.item = enc.find_key(kid)
        return out

    async def finish_or_remove_uploaded_key(self, key_id: str, finish: bool,
                                            algorithm: Optional[str] = None,
                                            encrypt_on_append: bool = False,
                                            allow_spam_training: bool = False) -> Outcome:
        """After a half-done upload-and-enable: ``finish=True`` turns
        encryption on with the uploaded key (``algorithm`` defaults to the
        first one offered for its kind); ``finish=False`` deletes it."""
        if not finish:
            return await self.delete_public_key(key_id)
        return await self._finish_upload(key_id, algorithm, bool(encrypt_on_append),
                                         bool(allow_spam_training))

    @_action
    async def _finish_upload(self, key_id: Any, algorithm: Optional[str], eoa: bool,
                             spam: bool) -> Outcome:
        enc = self._state().encryption
        k = enc.find_key(str(key_id))
        algo = algorithm
        if algo is None and k is not None:
            algo = (enc.algorithms.get(k.kind) or ("Aes256",))[0]
        return await self._use_key(key_id, algo, eoa, spam, "upload_and_enable")


def _key_label(rep: Any, kind: KeyKind) -> str:
    """The description a key is stored under when the user gives none: its kind
    and the name its tools show. OpenPGP: the key ID, as ``gpg --keyid-format
    long`` shows it (a v4 fingerprint's LAST 16 hex digits, a v6 one's first
    16); S/MIME: the certificate's address, else the last 16 hex digits of its
    SHA-256 fingerprint."""
    fp = "".join(c for c in (rep.fingerprints[0] if rep.fingerprints else "") if c.isalnum()).upper()
    if kind == KeyKind.SMIME:
        name = next(iter(rep.emails or []), "") or fp[-16:]
    else:
        name = fp[:16] if len(fp) == 64 else fp[-16:]
    return f"{kind.label} {name}".strip()


__all__ = ["sign_in", "SecurityAccount", "MAYBE_APPLIED", "FIELDS"]
