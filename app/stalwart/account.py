"""The account layer the UI talks to: ``sign_in`` and ``SecurityAccount``.

    account = await sign_in("https://mail.example.com", creds, browser_fetch)
    account.state                       # SecurityState: what the account can do
    outcome = await account.create_app_password("Phone", expires="2027-01-31",
                                                allowed_ips="10.0.0.0/8")
    outcome.created.secret              # shown once
    outcome.state                       # the fresh state, read with the change

Each user action is ONE method. It validates the input as typed (one set of
message keys, ``InvalidInput.field`` names the field), sends the change and
the re-read together (0.16: one HTTP request; 0.11-0.15: the change and the
GET of what it affects), and returns an ``Outcome`` with the fresh state, or
raises a typed error from ``app.errors`` (never text to match).

Honest outcomes: when a change may have been applied but its answer was lost
(time-out, broken connection, cut or unreadable answer, 5xx), the account
checks what is now true (re-read; for a password, signing in with the new
one) and returns the Outcome (``confirmed == BY_CHECK``) or raises
``AnswerLost`` (nothing changed: retry is safe) or ``OutcomeUnknown`` (the
check failed too; the message says how to check).

Everything per user lives in this object (credentials, permissions, last
state, 2FA set-ups): ``close()`` wipes it, and the UI drops the object.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Optional, Union

from app import jmap
from app.errors import (AnswerLost, AuthRequired, CannotReach, InvalidInput, MfaRequired,
                        OutcomeUnknown, ProtocolError, ServerError, SignedOut, StalwartError,
                        TimedOut, Unsupported, WrongCurrentSecret)
from app.http import DEFAULT_TIMEOUT, Fetch, with_timeout
from app.stalwart import validate
from app.stalwart.connection import Connection
from app.stalwart.drive016 import Driver016
from app.stalwart.drivelegacy import DriverLegacy
from app.stalwart.legacy import encode_app_name, generate_app_secret
from app.stalwart.models import Created, PublicKey
from app.stalwart.outcomes import BY_ANSWER, BY_CHECK, HalfDone, Outcome
from app.stalwart.state import (CHANGE, CONTINUES, CREATE, DELETE_KEY, DISABLE, ENDED, REPLACE,
                                REPLACED, REVOKE, TURN_OFF, TURN_ON, UPLOAD_AND_ENABLE, USE_KEY,
                                Access, Feature, SecurityState)
from app.stalwart.twofactor import TotpSetup

# Errors after which a change may or may not have been applied: the request
# may have reached the server, but its answer did not reach the page intact.
MAYBE_APPLIED = (TimedOut, CannotReach, ProtocolError, ServerError)

# Form fields named by InvalidInput.field and the other errors' ``field``.
FIELDS = ("current_password", "new_password", "confirm_password", "code", "new_code", "otp_url",
          "description", "expires", "allowed_ips", "block_security_changes", "key", "algorithm",
          "encrypt_on_append", "id")

Driver = Union[Driver016, DriverLegacy]


async def sign_in(server: str, creds: Any, fetch: Fetch, *, timeout: float = DEFAULT_TIMEOUT,
                  on_credentials: Optional[Callable[[Any], None]] = None) -> "SecurityAccount":
    """Sign in and read the whole state (``account.state``).

    Requests: session discovery (1-2), 0.16 ``GET /api/account`` (the
    effective permissions, 1), the state (0.16: 1; legacy: 2).
    Raises AuthRequired / MfaRequired (a TOTP account's password on 0.16, or
    a missing code on 0.11-0.15) / CannotReach (``cause == "cors"`` when the
    server is up but does not allow this page) / TimedOut / ..."""
    f = with_timeout(fetch, timeout)
    try:
        session = await jmap.discover_session(server, creds.authorization_header(), f)
    except CannotReach as e:
        raise await jmap.diagnose_cannot_reach(e, f) from None
    conn = Connection(session, creds, f)
    driver: Driver = Driver016(conn) if session.is_stalwart else DriverLegacy(conn)
    account = SecurityAccount(conn, driver, on_credentials)
    await driver.read_permissions()
    await account.load()
    return account


class SecurityAccount:
    """One signed-in user. Create it with ``sign_in``. Every method that
    talks to the server runs one at a time (the UI should still disable a
    form while its action runs: a second click would be a second action)."""

    def __init__(self, conn: Connection, driver: Driver,
                 on_credentials: Optional[Callable[[Any], None]] = None):
        self._conn = conn
        self._driver = driver
        self._lock: Optional[asyncio.Lock] = None
        self._setups: list[TotpSetup] = []
        self.state: Optional[SecurityState] = None
        # Called with the new credentials whenever the account switches to them
        # (OAuth refresh, a password change made while signed in with that password).
        self.on_credentials = on_credentials

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
        if isinstance(self._driver, DriverLegacy):
            self._driver.forget()
        for s in self._setups:
            s.discard()
        self._setups.clear()
        self.on_credentials = None

    # --- plumbing -------------------------------------------------------------------------
    def _serial(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def _switch(self, creds: Any) -> None:
        self._conn.creds = creds
        if self.on_credentials is not None:
            self.on_credentials(creds)

    async def _refresh_if_expiring(self) -> None:
        """OAuth: swap an (almost) expired access token using its refresh token."""
        from app import auth
        c = self._conn.creds
        if not isinstance(c, auth.Bearer) or c.kind != "oauth" or not c.expired() \
                or not c.refresh_token:
            return
        self._switch(await auth.refresh(self.server, c, self._conn.fetch, auth.DEFAULT_CLIENT_ID))

    async def _run(self, body: Callable[[], Awaitable[Outcome]]) -> Outcome:
        async with self._serial():
            if self.closed:
                raise SignedOut()
            await self._refresh_if_expiring()
            if self.state is None:
                self.state = await self._driver.read()
            try:
                outcome = await body()
            except StalwartError as e:
                if isinstance(e.state, SecurityState):
                    self.state = e.state
                raise
            if outcome.state is not None:
                self.state = outcome.state
            return outcome

    async def _reread(self, part: str) -> SecurityState:
        d = self._driver
        return await (d.read_after(part) if isinstance(d, DriverLegacy) else d.read())

    async def _check(self, what: str, lost: StalwartError,
                     probe: Callable[[], Awaitable[Any]]) -> Any:
        """Run a check after a lost answer; if the check fails too, the
        outcome is unknown."""
        try:
            return await probe()
        except (AuthRequired, MfaRequired):
            raise
        except StalwartError as e:
            raise OutcomeUnknown(what, lost, e) from None

    async def _changed_anyway(self, refused: StalwartError, login: str, new: str) -> bool:
        """A password change refused for its old password may be the second copy
        of a change that was applied: a browser sends a request again, POST too,
        when its kept-alive connection broke before the answer (seen in Chromium),
        and that copy meets the new password (401, or "current password not
        correct"). Signing in with the new password tells; when that cannot be
        checked, the refusal stands."""
        if isinstance(refused, WrongCurrentSecret) and refused.key != "err.password.current_incorrect":
            return False
        try:
            return bool(await self._driver.probe_password(login, new))
        except StalwartError:
            return False

    async def _after_change(self, part: str) -> tuple[Optional[SecurityState], str, Any]:
        """Legacy: read what the change affected. 401/402 here means the
        change ended this sign-in (e.g. wiped the app password in use)."""
        try:
            return await self._reread(part), CONTINUES, None
        except (AuthRequired, MfaRequired):
            return None, ENDED, None
        except StalwartError as e:  # the change is confirmed; only the read failed
            return None, CONTINUES, e

    def _state(self) -> SecurityState:
        assert self.state is not None
        return self.state

    @staticmethod
    def _require(feature: Feature, action: str) -> None:
        if not feature.can(action):
            a: Access = feature.why_not(action)
            err = Unsupported(a.key, {"permissions": ", ".join(a.permissions)})
            err.access = a  # type: ignore[attr-defined]
            raise err

    # --- reading ---------------------------------------------------------------------------
    async def load(self) -> SecurityState:
        """Read the whole state again (0.16: one request; legacy: two)."""
        async with self._serial():
            if self.closed:
                raise SignedOut()
            await self._refresh_if_expiring()
            self.state = await self._driver.read()
            return self.state

    async def set_locale(self, locale: str) -> SecurityState:
        """Save the language the user picked in the page to the account (0.16,
        when ``state.locale_writable``), so it follows them to other browsers."""
        async with self._serial():
            if self.closed:
                raise SignedOut()
            st = self.state
            if st is None or not st.locale_writable or not isinstance(self._driver, Driver016):
                raise Unsupported("state.not_supported")
            await self._refresh_if_expiring()
            self.state = await self._driver.set_locale(validate.secret(locale, "locale"))
            return self.state

    # --- password --------------------------------------------------------------------------
    def password_strength(self, new: str):
        """``app.passwords.Strength`` of a new password as this server judges it
        (the meter while typing; ``change_password`` refuses what it refuses)."""
        from app.passwords import assess, user_inputs_for
        policy = self.state.password.strength_policy if self.state else "0.16"
        return assess(new or "", user_inputs_for(self.username, self._conn.login()), policy)

    async def change_password(self, current: str, new: str, code: Optional[str] = None, *,
                              confirm: Optional[str] = None) -> Outcome:
        """Change the password. ``confirm`` (the second typing) is checked
        when given; the strength rules are the server's. ``code``: the current
        2FA code, required when ``state.password.code_required``.

        Outcome.session: REPLACED (signed in with this password: the account
        now uses the new one, ``credentials``), ENDED (0.16 OAuth sign-in, or a
        legacy app password the change wiped: ``notice`` says sign in again),
        or CONTINUES. ``wiped``: what a 0.11-0.15 change removed."""
        async def body() -> Outcome:
            from app.auth import Basic
            st0 = self._state()
            pw = st0.password
            cur, nw, c = self._password_inputs(current, new, code, confirm)
            login = self._conn.login()
            effect = pw.session_after_change
            if effect == REPLACED and getattr(self._conn.creds, "secret", None) != cur:
                # 0.11-0.15 Basic that was not this password: an app password. Keep
                # it (it may survive: 0.11-0.13) rather than switch the session over.
                effect = CONTINUES
            confirmed = BY_ANSWER
            try:
                st = await self._driver.change_password(cur, nw, c)
            except MAYBE_APPLIED as lost:
                done = await self._check("password", lost,
                                         lambda: self._driver.probe_password(login, nw))
                if not done:
                    raise AnswerLost(lost, await self._quiet_reread("auth")) from None
                confirmed, st = BY_CHECK, None
            except (WrongCurrentSecret, AuthRequired) as refused:
                if not await self._changed_anyway(refused, login, nw):
                    raise
                confirmed, st = BY_CHECK, None
            creds = None
            if effect == REPLACED:
                creds = Basic(login, nw)
                self._switch(creds)
            session, state_error = effect, None
            if st is None and effect != ENDED:  # legacy, or 0.16 after a lost answer
                st, after, state_error = await self._after_change("auth")
                session = ENDED if after == ENDED else session
            if pw.expired and session != ENDED and state_error is None:
                # The change's own re-read ran with the token of that request, which
                # the expired password had downgraded: read again with fresh eyes.
                try:
                    await self._driver.read_permissions()
                    st = await self._driver.read()
                except StalwartError as e:
                    state_error = e
            wiped = self._wiped(st0, st, session)
            if session == ENDED:
                notice = "outcome.signin_again_new_password"
            elif wiped:
                notice = "outcome.wiped"
            else:
                notice = "outcome.password_checked" if confirmed == BY_CHECK else None
            return Outcome("change_password", st, session, creds if session == REPLACED else None,
                           confirmed=confirmed, wiped=wiped, notice=notice,
                           state_error=state_error)
        return await self._run(body)

    def _password_inputs(self, current: Any, new: Any, code: Any, confirm: Any
                         ) -> tuple[str, str, Optional[str]]:
        from app.passwords import user_inputs_for
        pw = self._state().password
        self._require(pw, CHANGE)
        cur = validate.secret(current, "current_password")
        nw = validate.new_password(new, confirm, pw.strength_policy,
                                   user_inputs_for(self.username, self._conn.login()))
        c = validate.otp_code(code, required=False)
        if pw.code_required and not c:
            raise InvalidInput("err.input.code_required", "code")
        return cur, nw, c

    def check_password_change(self, current: str, new: str, code: Optional[str] = None, *,
                              confirm: Optional[str] = None) -> None:
        """The input checks of ``change_password`` alone (no request), so the
        page can refuse a typo before it asks "this ends your sign-in, go on?"."""
        if self.closed:
            raise SignedOut()
        self._password_inputs(current, new, code, confirm)

    def _wiped(self, before: SecurityState, after: Optional[SecurityState], session: str) -> tuple:
        wipes = before.password.wipes
        if not wipes:
            return ()
        if after is None:  # ended or unreadable: say what this server generation does
            had_apps = bool(before.app_passwords.count)
            had_2fa = bool(before.two_factor.enabled)
            return tuple(w for w, had in (("app_passwords", had_apps), ("two_factor", had_2fa))
                         if had and session == ENDED)
        gone = []
        if before.app_passwords.count and after.app_passwords.count == 0:
            gone.append("app_passwords")
        if before.two_factor.enabled and after.two_factor.enabled is False:
            gone.append("two_factor")
        return tuple(gone)

    async def _quiet_reread(self, part: str) -> Optional[SecurityState]:
        try:
            return await self._reread(part)
        except StalwartError:
            return None

    # --- two-factor -------------------------------------------------------------------------
    def start_two_factor_setup(self, issuer: Optional[str] = None) -> TotpSetup:
        """A new key for an authenticator app, made here (CSPRNG) and checked
        against the server's otpauth URL rules. Moving to a new app when 2FA
        is on (``replacing``). Nothing is sent; the UI drops the object."""
        from app import totp
        if self.closed:
            raise SignedOut()
        st = self._state()
        tf = st.two_factor
        replacing = tf.enabled is True
        self._require(tf, REPLACE if replacing else TURN_ON)
        secret = totp.new_secret()
        iss = issuer or totp.DEFAULT_ISSUER
        url = totp.build_url(secret, self.username, iss)
        validate.otp_url(url, self._driver.url_rules)
        setup = TotpSetup(self.username, iss, replacing, secret, url)
        self._setups.append(setup)
        return setup

    async def enable_totp(self, current_password: str, otp_url: Union[str, TotpSetup],
                          current_code: Optional[str] = None, *,
                          new_code: Optional[str] = None) -> Outcome:
        """Turn two-factor on, or move it to a new app (when it is on; then
        ``current_code`` from the old app is required). ``otp_url`` is the
        new key (a ``TotpSetup`` or its URL); ``new_code``, when given, is the
        code the user typed from the new app, checked here first (the server
        does not check it: a wrong key would lock the user out).

        Outcome.session: ENDED when the user signed in with the password
        (0.16 cannot carry a code in Basic; legacy would need a fresh code per
        request), else CONTINUES."""
        async def body() -> Outcome:
            tf = self._state().two_factor
            replacing = tf.enabled is True
            cur, url, c = self._totp_inputs(current_password, otp_url, current_code, new_code)
            effect = tf.session_after_replace if replacing else tf.session_after_turn_on
            confirmed = BY_ANSWER
            try:
                st = await self._driver.enable_totp(cur, url, c)
            except MAYBE_APPLIED as lost:
                if replacing:
                    done, st = await self._check(
                        "two_factor", lost, lambda: self._driver.probe_totp(cur, url))
                else:
                    done, st = await self._check("two_factor", lost, self._turned_on)
                    if done is None:
                        raise OutcomeUnknown("two_factor", lost) from None
                if not done:
                    raise AnswerLost(lost, st) from None
                confirmed = BY_CHECK
            state_error = None
            if st is None and effect != ENDED:
                st, ended, state_error = await self._after_change("auth")
                effect = ENDED if ended == ENDED else effect
            if isinstance(otp_url, TotpSetup):
                otp_url.discard()
            return Outcome("enable_totp", st, effect, confirmed=confirmed,
                           notice="outcome.checked" if confirmed == BY_CHECK else None,
                           state_error=state_error)
        return await self._run(body)

    def _totp_inputs(self, current_password: Any, otp_url: Any, current_code: Any,
                     new_code: Any) -> tuple[str, str, Optional[str]]:
        from app import totp
        tf = self._state().two_factor
        replacing = tf.enabled is True
        self._require(tf, REPLACE if replacing else TURN_ON)
        cur = validate.secret(current_password, "current_password")
        raw = otp_url.url if isinstance(otp_url, TotpSetup) else otp_url
        url = validate.otp_url(raw, self._driver.url_rules)
        if new_code is not None and not totp.check_code(url, str(new_code)):
            raise InvalidInput("err.input.new_code_wrong", "new_code")
        c = validate.otp_code(current_code, required=False)
        if replacing and not c:
            raise InvalidInput("err.input.code_required", "code")
        return cur, url, c

    def check_enable_totp(self, current_password: str, otp_url: Union[str, TotpSetup],
                          current_code: Optional[str] = None, *,
                          new_code: Optional[str] = None) -> None:
        """The input checks of ``enable_totp`` alone (no request)."""
        if self.closed:
            raise SignedOut()
        self._totp_inputs(current_password, otp_url, current_code, new_code)

    async def _turned_on(self) -> tuple[Optional[bool], Optional[SecurityState]]:
        try:
            st = await self._reread("auth")
        except MfaRequired:  # a password sign-in now needs a code: 2FA is on
            return True, None
        return st.two_factor.enabled, st

    async def _turned_off(self, current: str, password_session: bool
                          ) -> tuple[Optional[bool], Optional[SecurityState]]:
        """Is 2FA off now? A legacy password session carries the (old) code,
        which fails once 2FA is off: ask with the password alone, whose 402
        "TOTP code required" says 2FA is still on."""
        from app.auth import Basic
        saved = self._conn.creds
        if password_session:
            self._conn.creds = Basic(self._conn.login(), current)
        try:
            st = await self._reread("auth")
        except MfaRequired:
            return False, None
        finally:
            self._conn.creds = saved
        on = st.two_factor.enabled
        return (None if on is None else not on), st

    async def disable_totp(self, current_password: str, code: str) -> Outcome:
        """Turn two-factor off (current password and current code)."""
        async def body() -> Outcome:
            from app.auth import Basic
            tf = self._state().two_factor
            self._require(tf, TURN_OFF)
            cur = validate.secret(current_password, "current_password")
            if code is None or (isinstance(code, str) and not code.strip()):
                raise InvalidInput("err.input.code_required", "code")
            c = validate.otp_code(code)
            effect = tf.session_after_turn_off
            if effect == REPLACED and getattr(self._conn.creds, "secret", None) != cur:
                effect = CONTINUES  # an app password: it does not carry the code
            confirmed = BY_ANSWER
            try:
                st = await self._driver.disable_totp(cur, c)
            except MAYBE_APPLIED as lost:
                off, st = await self._check("two_factor", lost,
                                            lambda: self._turned_off(cur, effect == REPLACED))
                if off is None:
                    raise OutcomeUnknown("two_factor", lost) from None
                if not off:
                    raise AnswerLost(lost, st) from None
                confirmed = BY_CHECK
            creds = None
            if effect == REPLACED:  # legacy password sign-in: the code no longer goes with it
                creds = Basic(self._conn.login(), cur)
                self._switch(creds)
            state_error = None
            if st is None or effect == REPLACED:
                st, ended, state_error = await self._after_change("auth")
                effect = ENDED if ended == ENDED else effect
            return Outcome("disable_totp", st, effect, creds if effect == REPLACED else None,
                           confirmed=confirmed,
                           notice="outcome.checked" if confirmed == BY_CHECK else None,
                           state_error=state_error)
        return await self._run(body)

    # --- app passwords and API keys -------------------------------------------------------------
    async def create_app_password(self, description: str, expires: Any = None,
                                  allowed_ips: Any = None,
                                  block_security_changes: bool = True) -> Outcome:
        """A new app password. ``expires``: the date field as typed
        (``YYYY-MM-DD``: valid until the end of that day, UTC; empty: never);
        ``allowed_ips``: the text as typed (addresses or networks, separated
        by commas, spaces or lines; empty: any). ``block_security_changes``:
        the app password may not change the password, 2FA, app passwords, API
        keys or encryption (where the server supports permission limits:
        ``state.app_passwords.options``). Options the server lacks must be
        left empty (InvalidInput "err.input.option_unsupported").

        ``Outcome.created`` holds the secret (show it once). If the answer was
        lost after the server made it, ``created`` is None, ``item`` is the
        new app password and ``notice`` is "outcome.secret_lost"."""
        return await self._create("app_password", description, expires, allowed_ips,
                                  block_security_changes)

    async def create_api_key(self, description: str, expires: Any = None,
                             allowed_ips: Any = None) -> Outcome:
        """A new API key (0.16 only: ``state.api_keys.access``); as
        ``create_app_password``."""
        return await self._create("api_key", description, expires, allowed_ips, False)

    async def _create(self, kind: str, description: Any, expires: Any, allowed_ips: Any,
                      block: bool) -> Outcome:
        async def body() -> Outcome:
            st0 = self._state()
            f = st0.app_passwords if kind == "app_password" else st0.api_keys
            self._require(f, CREATE)
            desc = validate.description(description)
            exp = validate.expiry_date(expires)
            if exp is not None and not f.options.expiry:
                raise InvalidInput("err.input.option_unsupported", "expires")
            ips = validate.allowed_ips_text(allowed_ips)
            if ips and not f.options.allowed_ips:
                raise InvalidInput("err.input.option_unsupported", "allowed_ips")
            action = f"create_{kind}"
            d = self._driver
            if isinstance(d, DriverLegacy):
                return await self._create_legacy(d, action, desc)
            o: dict[str, Any] = {"description": desc}
            if exp is not None:
                o["expiresAt"] = exp
            if ips:
                o["allowedIps"] = ips
            if block and f.options.block_security_changes:
                o["permissions"] = validate.block_security_changes_patch()
            obj = "AppPassword" if kind == "app_password" else "ApiKey"
            before = {i.id for i in (f.items or [])}
            try:
                created, st = await d.create_credential(obj, o)
            except MAYBE_APPLIED as lost:
                st = await self._check("credential", lost, d.read)
                now = st.app_passwords if kind == "app_password" else st.api_keys
                if now.items is None:
                    raise OutcomeUnknown("credential", lost) from None
                new = [i for i in now.items if i.id not in before and i.description == desc]
                if not new:
                    raise AnswerLost(lost, st) from None
                item = max(new, key=lambda i: (i.created_at or "", len(i.id), i.id))
                return Outcome(action, st, item=item, confirmed=BY_CHECK,
                               notice="outcome.secret_lost", params={"name": desc},
                               unseen=(item.id,))
            now = st.app_passwords if kind == "app_password" else st.api_keys
            # A browser sends a POST again when its kept-alive connection broke
            # before the answer (seen in Chromium): the server then made two, and
            # the answer is the second one's. Say so; the first one's secret is gone.
            twin = [i for i in (now.items or []) if i.id not in before and i.id != created.id
                    and i.description == desc]
            return Outcome(action, st, created=created, item=now.find(created.id),
                           notice="outcome.made_twice" if twin else None,
                           params={"name": desc} if twin else {},
                           unseen=tuple(i.id for i in twin))
        return await self._run(body)

    async def _create_legacy(self, d: DriverLegacy, action: str, desc: str) -> Outcome:
        # The page makes the secret on 0.11-0.15, so a lost answer loses nothing:
        # if the name is there afterwards, the secret is the one made here.
        name = encode_app_name(desc)
        secret = generate_app_secret()
        confirmed = BY_ANSWER
        try:
            await d.add_app_password(name, secret)
        except MAYBE_APPLIED as lost:
            st = await self._check("credential", lost, lambda: d.read_after("auth"))
            if st.app_passwords.items is None:
                raise OutcomeUnknown("credential", lost) from None
            if st.app_passwords.find(name) is None:
                raise AnswerLost(lost, st) from None
            confirmed = BY_CHECK
        st, session, state_error = await self._after_change("auth")
        return Outcome(action, st, session, created=Created(name, secret, desc),
                       item=st.app_passwords.find(name) if st else None, confirmed=confirmed,
                       notice="outcome.checked" if confirmed == BY_CHECK else None,
                       state_error=state_error)

    async def revoke_app_password(self, id: str) -> Outcome:
        """Revoke an app password (one that is already gone counts as done).
        Revoking the one this session signed in with ends the session."""
        return await self._revoke("app_password", id)

    async def revoke_api_key(self, id: str) -> Outcome:
        return await self._revoke("api_key", id)

    async def _revoke(self, kind: str, id: Any) -> Outcome:
        async def body() -> Outcome:
            st0 = self._state()
            f = st0.app_passwords if kind == "app_password" else st0.api_keys
            self._require(f, REVOKE)
            oid = validate.secret(id, "id", "err.set.not_found")
            item = f.find(oid)
            action = f"revoke_{kind}"
            d = self._driver
            own = st0.sign_in.credential_id == oid
            confirmed = BY_ANSWER
            st: Optional[SecurityState] = None
            try:
                if isinstance(d, DriverLegacy):
                    await d.remove_app_password(oid)
                else:
                    st = await d.revoke_credential(
                        "AppPassword" if kind == "app_password" else "ApiKey", oid)
            except MAYBE_APPLIED as lost:
                if own:
                    raise OutcomeUnknown("credential", lost) from None
                st = await self._check("credential", lost, lambda: self._reread("auth"))
                now = st.app_passwords if kind == "app_password" else st.api_keys
                if now.items is None:
                    raise OutcomeUnknown("credential", lost) from None
                if now.find(oid) is not None:
                    raise AnswerLost(lost, st) from None
                confirmed = BY_CHECK
            session, state_error = (ENDED if own else CONTINUES), None
            if st is None:
                st, session, state_error = await self._after_change("auth")
            return Outcome(action, st, session, item=item, confirmed=confirmed,
                           notice="outcome.checked" if confirmed == BY_CHECK else None,
                           state_error=state_error)
        return await self._run(body)

    # --- encryption at rest ---------------------------------------------------------------------
    def _algorithm(self, algorithm: Any, kind: str) -> str:
        allowed = self._state().encryption.algorithms.get(kind) or \
            tuple(sorted({a for v in self._state().encryption.algorithms.values() for a in v}))
        if not isinstance(algorithm, str) or algorithm not in allowed:
            raise InvalidInput("err.input.algorithm", "algorithm")
        return algorithm

    @staticmethod
    def _same_key(a: str, b: str) -> bool:
        def norm(t: str) -> list[str]:
            return [ln.strip() for ln in (t or "").replace("\r", "").strip().split("\n") if ln.strip()]
        return norm(a) == norm(b)

    def _stored(self, text: str) -> Optional[PublicKey]:
        return next((k for k in (self._state().encryption.keys or [])
                     if self._same_key(k.key, text)), None)

    async def upload_and_enable(self, description: str, key_text: Union[str, bytes],
                                algorithm: str, encrypt_on_append: bool = False,
                                allow_spam_training: bool = False, *,
                                emails: Optional[list[str]] = None) -> Outcome:
        """Check the key here (``app.keys``), upload it and turn encryption at
        rest on with it. Also "replace the key" when encryption is on (the
        server switches at once; the old key stays in the stored list).
        ``description`` may be empty (then "OpenPGP <fingerprint>").

        0.16: one request (create the key + point the setting at ``#pk``). If
        the same key is already stored it is reused, not uploaded again
        (``notice == "outcome.key_reused"``), so a retry never makes a copy.
        If the key was stored but the setting refused, ``half_done`` carries
        the key id and the reason: offer ``finish_or_remove_uploaded_key``."""
        async def body() -> Outcome:
            from app.keys import check_key
            enc = self._state().encryption
            self._require(enc, UPLOAD_AND_ENABLE)
            if isinstance(key_text, str):
                validate.key_text(key_text)  # refuses private keys before anything else
            addrs = [e for e in (emails or []) if isinstance(e, str) and e.strip()] or \
                ([self.username] if "@" in self.username else [])
            rep = check_key(key_text, addrs)
            if rep.is_private:
                raise InvalidInput("err.input.private_key", "key")
            if not rep.accepted or not rep.normalized:
                raise InvalidInput("err.input.key_refused", "key",
                                   {"detail": rep.errors[0].message if rep.errors else ""})
            kind = "pgp" if rep.kind == "openpgp" else "smime"
            algo = self._algorithm(algorithm, kind)
            if encrypt_on_append and not enc.encrypt_on_append:
                raise InvalidInput("err.input.option_unsupported", "encrypt_on_append")
            desc = description.strip() if isinstance(description, str) else ""
            if not desc:
                fp = (rep.fingerprints[0] if rep.fingerprints else "")[:16]
                desc = f"{'OpenPGP' if kind == 'pgp' else 'S/MIME'} {fp}".strip()
            text = rep.normalized
            d = self._driver
            if isinstance(d, DriverLegacy):
                return await self._enable_legacy(d, kind, algo, text, bool(allow_spam_training))
            existing = self._stored(text)
            if existing is not None:
                out = await self._use_key(existing.id, algo, bool(encrypt_on_append),
                                          bool(allow_spam_training), "upload_and_enable")
                out.notice = out.notice or "outcome.key_reused"
                return out
            key = {"description": desc, "key": text,
                   "emailAddresses": {a: True for a in (rep.emails or addrs)}}
            ear = {"@type": algo, "encryptOnAppend": bool(encrypt_on_append),
                   "allowSpamTraining": bool(allow_spam_training)}
            try:
                key_id, reason, st = await d.upload_and_enable(key, ear)
            except MAYBE_APPLIED as lost:
                st = await self._check("encryption", lost, d.read)
                e = st.encryption
                if e.keys is None or e.settings is None:
                    raise OutcomeUnknown("encryption", lost) from None
                k = next((k for k in e.keys if self._same_key(k.key, text)), None)
                if k is None:
                    raise AnswerLost(lost, st) from None
                if e.settings.enabled and e.settings.public_key == k.id:
                    return Outcome("upload_and_enable", st, item=k, confirmed=BY_CHECK,
                                   notice="outcome.checked")
                key_id, reason = k.id, lost
                return Outcome("upload_and_enable", st, item=k, confirmed=BY_CHECK,
                               half_done=HalfDone(key_id, reason), notice="outcome.half_done",
                               params={"reason": reason.message})
            item = st.encryption.find_key(key_id)
            if reason is not None:
                return Outcome("upload_and_enable", st, item=item,
                               half_done=HalfDone(key_id, reason), notice="outcome.half_done",
                               params={"reason": reason.message})
            return Outcome("upload_and_enable", st, item=item)
        return await self._run(body)

    async def _enable_legacy(self, d: DriverLegacy, kind: str, algo: str, text: str,
                             spam: bool) -> Outcome:
        before = self._state().encryption.settings
        body = {"type": {"pgp": "pGP", "smime": "sMIME"}[kind], "algo": algo, "certs": text,
                "allow_spam_training": spam}  # required by 0.15, ignored by 0.11-0.14
        confirmed = BY_ANSWER
        try:
            await d.set_crypto(body)
        except MAYBE_APPLIED as lost:
            st = await self._check("encryption", lost, lambda: d.read_after("crypto"))
            s = st.encryption.settings
            if s is None:
                raise OutcomeUnknown("encryption", lost) from None
            same = s.enabled and s.kind == kind and s.algorithm == algo
            changed = before is None or not before.enabled or before.certs != s.certs
            if not same:
                raise AnswerLost(lost, st) from None
            if not changed:  # on before and after with the same blob: cannot tell
                raise OutcomeUnknown("encryption", lost) from None
            confirmed = BY_CHECK
        st, session, state_error = await self._after_change("crypto")
        return Outcome("upload_and_enable", st, session, confirmed=confirmed,
                       notice="outcome.checked" if confirmed == BY_CHECK else None,
                       state_error=state_error)

    async def use_key(self, public_key_id: str, algorithm: str, encrypt_on_append: bool = False,
                      allow_spam_training: bool = False) -> Outcome:
        """Turn encryption at rest on with a stored key, or switch to it (0.16)."""
        async def body() -> Outcome:
            return await self._use_key(public_key_id, algorithm, bool(encrypt_on_append),
                                       bool(allow_spam_training), "use_key")
        return await self._run(body)

    async def _use_key(self, key_id: Any, algorithm: Any, eoa: bool, spam: bool,
                       action: str) -> Outcome:
        enc = self._state().encryption
        self._require(enc, USE_KEY)
        kid = validate.secret(key_id, "key", "err.input.key_unknown")
        k = enc.find_key(kid)
        if k is None:
            raise InvalidInput("err.input.key_unknown", "key")
        algo = self._algorithm(algorithm, k.kind)
        if eoa and not enc.encrypt_on_append:
            raise InvalidInput("err.input.option_unsupported", "encrypt_on_append")
        ear = {"@type": algo, "publicKey": kid, "encryptOnAppend": eoa, "allowSpamTraining": spam}
        d = self._driver
        assert isinstance(d, Driver016)
        try:
            st = await d.set_encryption(ear)
        except MAYBE_APPLIED as lost:
            st = await self._check("encryption", lost, d.read)
            s = st.encryption.settings
            if s is None:
                raise OutcomeUnknown("encryption", lost) from None
            if not (s.enabled and s.public_key == kid and s.algorithm == algo):
                raise AnswerLost(lost, st) from None
            return Outcome(action, st, item=st.encryption.find_key(kid), confirmed=BY_CHECK,
                           notice="outcome.checked")
        return Outcome(action, st, item=st.encryption.find_key(kid))

    async def disable_encryption(self) -> Outcome:
        """Turn encryption at rest off (mail already stored stays encrypted)."""
        async def body() -> Outcome:
            enc = self._state().encryption
            self._require(enc, DISABLE)
            d = self._driver
            confirmed = BY_ANSWER
            st: Optional[SecurityState] = None
            try:
                if isinstance(d, DriverLegacy):
                    await d.set_crypto({"type": "disabled"})
                else:
                    st = await d.set_encryption({"@type": "Disabled"})
            except MAYBE_APPLIED as lost:
                st = await self._check("encryption", lost, lambda: self._reread("crypto"))
                if st.encryption.enabled is None:
                    raise OutcomeUnknown("encryption", lost) from None
                if st.encryption.enabled:
                    raise AnswerLost(lost, st) from None
                confirmed = BY_CHECK
            session, state_error = CONTINUES, None
            if st is None:
                st, session, state_error = await self._after_change("crypto")
            return Outcome("disable_encryption", st, session, confirmed=confirmed,
                           notice="outcome.checked" if confirmed == BY_CHECK else None,
                           state_error=state_error)
        return await self._run(body)

    async def delete_public_key(self, id: str) -> Outcome:
        """Delete a stored key (0.16). The key in use is refused by the server
        (SetError "objectIsLinked"): turn encryption off or switch first."""
        async def body() -> Outcome:
            enc = self._state().encryption
            self._require(enc, DELETE_KEY)
            kid = validate.secret(id, "key", "err.input.key_unknown")
            item = enc.find_key(kid)
            d = self._driver
            assert isinstance(d, Driver016)
            try:
                st = await d.delete_key(kid)
            except MAYBE_APPLIED as lost:
                st = await self._check("encryption", lost, d.read)
                if st.encryption.keys is None:
                    raise OutcomeUnknown("encryption", lost) from None
                if st.encryption.find_key(kid) is not None:
                    raise AnswerLost(lost, st) from None
                return Outcome("delete_public_key", st, item=item, confirmed=BY_CHECK,
                               notice="outcome.checked")
            return Outcome("delete_public_key", st, item=item)
        return await self._run(body)

    async def finish_or_remove_uploaded_key(self, key_id: str, finish: bool,
                                            algorithm: Optional[str] = None,
                                            encrypt_on_append: bool = False,
                                            allow_spam_training: bool = False) -> Outcome:
        """After a half-done upload-and-enable: ``finish=True`` turns
        encryption on with the uploaded key (``algorithm`` defaults to the
        first one offered for its kind); ``finish=False`` deletes it."""
        if not finish:
            return await self.delete_public_key(key_id)

        async def body() -> Outcome:
            k = self._state().encryption.find_key(str(key_id))
            algo = algorithm
            if algo is None and k is not None:
                algo = (self._state().encryption.algorithms.get(k.kind) or ("Aes256",))[0]
            return await self._use_key(key_id, algo, bool(encrypt_on_append),
                                       bool(allow_spam_training), "upload_and_enable")
        return await self._run(body)


__all__ = ["sign_in", "SecurityAccount", "MAYBE_APPLIED", "FIELDS"]
