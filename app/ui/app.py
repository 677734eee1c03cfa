"""The page controller: sign-in, the signed-in account, and re-rendering.

One ``App`` object holds the only copy of the credentials (in memory). It is
kept in sessionStorage only when the user ticked "stay signed in in this tab",
and only for OAuth tokens (``app.auth.session_storage_payload`` decides).
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Awaitable, Callable, Optional

import js  # type: ignore[import-not-found]

from app import auth, i18n, servers, stalwart
from app.errors import (AnswerLost, AuthRequired, AuthorizationPending, CannotReach, MfaRequired,
                        OutcomeUnknown, SignedOut, StalwartError)
from app.http import NetworkError, browser_fetch
from app.stalwart.state import ENDED, REPLACED
from app.ui import dom, language, nav
from app.ui import text as txt
from app.ui.dom import el, show, show_error, t

SERVER_KEY = "stalwart-account-security.server"   # localStorage: not secret; set after a sign-in only
# localStorage, not secret: the host's config.json as last read, for a visit
# while the host cannot be reached (offline); never used when it answers.
CONFIG_KEY = "stalwart-account-security.config"
CREDS_KEY = "stalwart-account-security.creds"     # sessionStorage, opt-in only
PENDING_KEY = "stalwart-account-security.pending"  # sessionStorage during the OAuth redirect
# Outcome notices that ask the user to do something (revoke, set up again, finish)
WARN_NOTICES = ("outcome.secret_lost", "outcome.made_twice", "outcome.wiped", "outcome.half_done")
# sessionStorage, no secret: "this tab had a session", so a reload that ends it
# (no "stay signed in") can say why the user sees the sign-in form again.
OPEN_KEY = "stalwart-account-security.session-open"


class App:
    def __init__(self):
        self.account: Optional[stalwart.SecurityAccount] = None
        self.state: Optional[stalwart.SecurityState] = None
        self.server: str = ""
        # The host's config.json (app.servers): until it is read, nothing is allowed.
        self.config: servers.Config = servers.Config(servers.BROKEN, problem="config.json not read yet")
        self.renderers: list[Callable[["App"], None]] = []
        # Per-user state of the sections (a 2FA set-up, a key report, caches):
        # each section registers how to forget it; sign-out calls them all.
        self.resetters: list[Callable[["App"], None]] = []
        self.wired: set[str] = set()  # the lazily wired sections' modules (nav.LAZY)
        self.csp_blocked: set[str] = set()
        # What the server offers before sign-in (its OAuth discovery), per server.
        self.options: auth.SignInOptions = auth.UNKNOWN_SERVER
        self.options_server: str = ""
        self._probe: Optional[asyncio.Future] = None
        self.last_error: Optional[BaseException] = None
        # Bumped whenever the signed-in user goes away: an answer that arrives
        # after that belongs to nobody on screen and is dropped.
        self.epoch = 0
        self.kept_for = ""  # whose typing was kept when a session expired

    # --- helpers -----------------------------------------------------------------
    @property
    def username(self) -> str:
        return self.account.username if self.account else ""

    def page_origin(self) -> str:
        return str(js.location.origin)

    def page_base(self) -> str:
        """This page's URL without query or fragment: the OAuth redirect comes back
        here, and the server it belongs to is the one saved with the pending sign-in."""
        loc = js.location
        return f"{loc.origin}{loc.pathname}"

    def stay(self) -> bool:
        return bool(el("stay").checked)

    # --- running an operation ---------------------------------------------------
    async def run(self, msg_id: str, op: Callable[[], Awaitable[Any]],
                  fields: Optional[dict] = None, retry: Optional[Callable[[], None]] = None) -> Any:
        """Run a server operation; show its error in ``msg_id`` in plain words
        (and at the field ``fields`` maps it to). A 401 sends the user back to
        sign-in, keeping whatever they typed. When the failed action read the
        account anyway (``err.state``), the page shows that fresh state; an
        error after which trying again is safe offers ``retry`` (the form
        still holds what was typed); an unknown outcome offers a re-read."""
        dom.clear_msg(msg_id)
        self.last_error = None
        epoch = self.epoch
        try:
            result = await op()
        except SignedOut:
            raise dom.Handled() from None  # signed out meanwhile: nobody to tell
        except AuthRequired as e:
            self.last_error = e
            if self.account is None:  # signing in: the credentials were wrong
                show_error("signin-msg", e)
                self.status_not_signed_in()
                raise dom.Handled() from None
            if self.epoch == epoch:
                self.signed_out(keep_input=True)
                self.note("warn", t("ui.signin.expired_title"), t("ui.signin.expired"), e.server_text)
            raise dom.Handled() from None
        except CannotReach as e:
            self.last_error = e
            if self.epoch == epoch:
                self.show_cannot_reach(msg_id, e)
                if self.account is None:
                    self.status_not_signed_in()
                elif retry is not None:
                    self._add_retry(msg_id, retry)
            raise dom.Handled() from None
        except StalwartError as e:
            self.last_error = e
            if self.epoch == epoch:
                fresh = e.state if isinstance(e.state, stalwart.SecurityState) else None
                if fresh is not None and self.account is not None:
                    self.state = fresh  # what is true now, read with the failed change
                    self.render()
                show_error(msg_id, e, fields)
                if self.account is None:
                    self.status_not_signed_in()
                elif isinstance(e, OutcomeUnknown):
                    self._add_check(msg_id)
                else:
                    if isinstance(e, AnswerLost) and e.timed_out:
                        self._add_check(msg_id)  # nothing so far; a late answer may still land
                    if e.retryable:
                        self._add_retry(msg_id, retry)
            raise dom.Handled() from None
        if self.epoch != epoch:  # signed out meanwhile: the answer is nobody's now
            raise dom.Handled()
        return result

    def check(self, msg_id: str, fn: Callable[[], None], fields: Optional[dict] = None) -> None:
        """An account's input check (no request): its error shown like the action's."""
        try:
            fn()
        except StalwartError as e:
            show_error(msg_id, e, fields)
            raise dom.Handled() from None

    def _add_retry(self, msg_id: str, retry: Optional[Callable[[], None]]) -> None:
        """"Try again" inside the message: the form still holds what was typed."""
        if retry is None:
            return
        btn = dom.make("button", t("ui.retry"), "small", type="button")
        dom.on(btn, "click", lambda ev: retry())
        el(msg_id).appendChild(btn)

    def _add_check(self, msg_id: str) -> None:
        """After an unknown outcome: read the account again and say it is current."""
        btn = dom.make("button", t("ui.check_now"), "small", type="button")

        async def check(_ev=None):
            await self.reload(msg_id)
            show(msg_id, "info", t("ui.checked_now"))

        dom.on(btn, "click", check, errors_to=msg_id, busy=(msg_id,))
        el(msg_id).appendChild(btn)

    def status_not_signed_in(self) -> None:
        """The top line after a failed sign-in: never left on "Connecting to …"."""
        dom.announce(t("ui.status.not_signed_in"))

    def show_cannot_reach(self, msg_id: str, e: CannotReach) -> None:
        origin = e.origin
        if origin in self.csp_blocked:
            # Only the admin can allow a server (config.json and the CSP header):
            # no link here, since a reload with another ?server= would not help.
            key = servers.blocked_by_policy(self.config, origin)
            show(msg_id, "error", t(key, origin=txt.ascii_origin(origin)))
            return
        text, _ = dom.message_text(e)
        show(msg_id, "error", text + " " + t("ui.cors.page_origin", page_origin=self.page_origin()))

    def note(self, kind: str, title: str, text: str, server_text: Optional[str] = None) -> None:
        """The panel at the top of the sign-in card: what is now true after the
        session ended (a change, a sign-out, an expiry, a reload), and what to do."""
        box = el("signin-note")
        box.className = f"panel {kind}"
        el("signin-note-h").textContent = title
        el("signin-note-text").textContent = text
        said = el("signin-note-server")
        dom.clear(said)
        said.hidden = not server_text
        if server_text:
            said.appendChild(dom.doc.createTextNode(t("ui.server_said", text="")))
            said.appendChild(dom.foreign(server_text, 600))
        box.hidden = False
        dom.announce(title + " " + text)
        js.window.scrollTo(0, 0)
        box.focus()

    def clear_note(self) -> None:
        el("signin-note").hidden = True

    # --- which server: the host's config.json, the link, the remembered one -----------
    async def load_config(self) -> servers.Config:
        """Read ``config.json`` next to the page (same origin) before sign-in opens.
        404: open mode. No answer at all: what this browser read last time (offline
        use), else closed. Anything else the page cannot use: closed."""
        url = str(js.URL.new("config.json", js.location.href).href)
        try:
            r = await browser_fetch("GET", url, {"Accept": "application/json"}, timeout=15,
                                    follow_redirects=True)  # the page's own file, not a mail server
        except NetworkError:
            return servers.config_without_answer(nullable_str(js.localStorage.getItem(CONFIG_KEY)))
        cfg = servers.config_from_response(r.status, r.body)
        if cfg.usable:
            js.localStorage.setItem(CONFIG_KEY, cfg.to_json())
        return cfg

    def setup_servers(self, cfg: servers.Config, linked: Optional[str],
                      remembered: Optional[str]) -> servers.Choice:
        """Shape the server field after the config: fixed (one server), a choice
        (several), or free (open mode); a closed page says why and stays closed."""
        self.config = cfg
        if not cfg.usable:
            self.server = ""
            self.note("error", t("ui.config.broken_title"), t("ui.config.broken"))
            detail = el("signin-note-server")
            detail.textContent = t("ui.config.broken_detail", problem=txt.short(txt.strip_bidi(cfg.problem), 300))
            detail.hidden = False
            return servers.Choice()
        choice = servers.choose(cfg, linked, remembered)
        self.server = choice.server
        field, pick, help_ = el("server-url"), el("server-pick"), el("server-help")
        if cfg.bound and len(cfg.servers) == 1:
            field.value = choice.server
            field.readOnly = True
            help_.dataset.i18n = "ui.server.bound_help"
        elif cfg.bound:
            dom.clear(pick)
            for origin in cfg.servers:
                pick.appendChild(dom.make("option", txt.ascii_origin(origin), value=origin))
            pick.value = choice.server
            pick.hidden = False
            field.hidden = True
            field.required = False
            el("server-form").querySelector("label[for=server-url]").htmlFor = "server-pick"
            help_.dataset.i18n = "ui.server.bound_help_many"
        else:
            field.value = choice.server
        help_.textContent = t(str(help_.dataset.i18n))
        el("dest-signin").hidden = cfg.bound  # a fixed or chosen server is shown by its field
        for id_ in ("dest-password", "dest-token"):
            el(id_).hidden = False
        self.show_destination()
        if choice.ignored:
            self.note("warn", t("ui.server.link_ignored_title"),
                      t("ui.server.link_ignored_bound" if cfg.bound else "ui.server.link_ignored_open"))
        return choice

    def current_server(self) -> str:
        """The server sign-in would use now: the fixed or chosen one, or what is
        typed (in the form the browser connects to), or "" when nothing usable is."""
        if not self.config.usable:
            return ""
        if self.config.bound:
            return str(el("server-pick").value) if len(self.config.servers) > 1 else self.server
        try:
            return servers.canonical_origin(dom.value("server-url"))
        except StalwartError:
            return ""

    def show_destination(self, _app=None) -> None:
        """Every "your password will be sent to" line: the ASCII host (punycode
        for international names), before anything is typed, as the field changes."""
        server = self.current_server()
        for node in dom.doc.querySelectorAll("#signin .dest-host"):
            node.textContent = servers.shown(server) if server else t("ui.server.none")
            node.classList.toggle("none", not server)

    # --- sign-in -----------------------------------------------------------------
    def read_server(self) -> Optional[str]:
        if not self.config.usable:
            show("signin-msg", "error", t("ui.config.broken"))
            return None
        if self.config.bound:
            server = self.current_server()
            if not self.config.allows(server):  # not reachable through the page's controls
                show("signin-msg", "error", t("ui.server.link_ignored_bound"))
                return None
            self.server = server
            return server
        raw = dom.value("server-url").strip()
        if not raw:
            show("signin-msg", "error", t("ui.signin.need_server"))
            el("server-url").focus()
            return None
        try:
            server = servers.canonical_origin(raw)
        except StalwartError as e:
            show_error("signin-msg", e)
            el("server-url").focus()
            return None
        dom.set_value("server-url", server)
        self.server = server
        self.show_destination()
        # Not remembered here: only a server that accepted a sign-in is (sign_in).
        return server

    # --- what the server offers, before sign-in -------------------------------------
    async def check_server(self, server: Optional[str] = None) -> auth.SignInOptions:
        """Read the server's discovery document once per server and shape the
        sign-in card after it: on 0.11-0.15 there is no usable sign-in page, so
        password (+ code) comes first and the page says why."""
        server = server or self.server
        if server and server != self.options_server:
            self.options_server = server
            # one probe per server, shared by whoever asks while it runs
            self._probe = asyncio.ensure_future(auth.probe(server, browser_fetch))
        if self._probe is not None:
            self.options = await self._probe
        self.render_sign_in_options()
        return self.options

    def render_sign_in_options(self) -> None:
        opts = self.options
        notice = el("signin-notice")
        el("oauth-btn").hidden = not opts.login_page
        if opts.login_page:
            notice.hidden = True
            notice.textContent = ""
            return
        notice.textContent = t(opts.reason or "unavailable.login_page_legacy")
        notice.hidden = False
        el("signin-other").open = True

    async def on_server_change(self, _ev=None) -> None:
        self.show_destination()
        server = self.current_server()
        if not server:
            return  # nothing usable typed: said when the user signs in
        if self.config.bound:
            self.server = server
        await self.check_server(server)

    async def _connect(self, server: str, creds: Any, login: str) -> Any:
        try:
            return await stalwart.sign_in(server, creds, browser_fetch, on_credentials=self.persist)
        except StalwartError as e:
            raise auth.refine_refusal(e, login, self.options) from None

    async def sign_in(self, creds: Any, login: str = "") -> None:
        server = self.server
        if not self.config.allows(server):  # the last guard: credentials go nowhere else
            show("signin-msg", "error", t("ui.config.broken" if not self.config.usable
                                          else "ui.server.link_ignored_bound"))
            raise dom.Handled()
        dom.announce(t("ui.signin.connecting", server=txt.ascii_origin(server)))
        account = await self.run("signin-msg", lambda: self._connect(server, creds, login))
        self.account = account
        # Remembered only now that this server accepted a sign-in, never when
        # typed or linked: a phishing link cannot plant itself for a later visit.
        js.localStorage.setItem(SERVER_KEY, server)
        self.state = account.state
        self.persist()
        self.render()
        self.entered()
        for id_ in ("login-password", "token", "login-code"):
            dom.set_value(id_, "")

    def entered(self) -> None:
        """Signed in: the account view replaces the sign-in card, at the section
        the address names (reload, back/forward), focus on its heading."""
        if self.kept_for and self.kept_for != self.username:
            self.reset_user_state()  # someone else: nothing typed for the last user stays
        self.kept_for = ""
        js.sessionStorage.setItem(OPEN_KEY, "1")
        dom.clear_msg("signin-msg")
        self.clear_note()
        who = el("who-name")
        dom.clear(who)
        who.appendChild(dom.foreign(self.username, 80))
        where = el("who-server")
        dom.clear(where)
        where.appendChild(dom.foreign(txt.ascii_origin(self.server), 80))
        el("who-gen").textContent = self.state.sign_in.server_label if self.state else ""
        nav.enter(self)
        dom.announce(t("ui.signin.done", user=txt.isolate(self.username)))

    def persist(self, creds: Any = None) -> None:
        """Keep the credentials for this tab only if the user opted in (called
        by the account too, whenever it switches to new credentials)."""
        creds = creds if creds is not None else (self.account.credentials if self.account else None)
        payload = auth.session_storage_payload(creds, self.stay()) if creds is not None else None
        if payload:
            js.sessionStorage.setItem(CREDS_KEY, json.dumps({**payload, "server": self.server}))
        else:
            js.sessionStorage.removeItem(CREDS_KEY)

    async def reload(self, msg_id: str = "signin-msg") -> None:
        self.state = await self.run(msg_id, self.account.load)
        self.render()

    def render(self) -> None:
        language.follow_account(self.state)  # before the sections draw their texts
        for r in self.renderers:
            r(self)
        dom.reapply()  # a re-drawn list inside a running action stays held

    def finish(self, out, msg_id: str, ok_text: str, ended: tuple[str, str],
               focus_id: Optional[str] = None) -> bool:
        """The one way a change ends (``app.stalwart.Outcome``): the fresh
        state is shown, and what is now true under the button that was pressed.

        If the change ended this sign-in (``out.session == ENDED``), the page
        cannot go on: the success panel at the top of the sign-in card says
        what is now true and how to sign in again (``ended``: title, next
        step). Returns False then, True when the account view goes on."""
        if out.session == ENDED:
            login = dom.value("login")  # the same person signs in again: keep the name
            if self.account is not None:
                self.account.close()
            self.signed_out(keep_input=False)
            dom.set_value("login", login)
            if not self.options.login_page:  # password (+ code) is the way in here
                el("signin-other").open = True
            self.note("ok", *ended)
            return False
        if out.session == REPLACED:
            self.persist()
        if out.state is not None:
            self.state = out.state
        self.render()
        text, kind = ok_text, "ok"
        if out.notice:
            params = {k: txt.isolate(v, 300) if isinstance(v, str) else v
                      for k, v in (out.params or {}).items()}
            text = " ".join(x for x in (ok_text, t(out.notice, **params)) if x)
            if out.notice in WARN_NOTICES:
                kind = "warn"
        if out.state_error is not None:
            text += " " + t("ui.state_unread")
        show(msg_id, kind, text)
        if out.state_error is not None:
            self._add_check(msg_id)
        if focus_id:
            node = el(focus_id)
            if node is not None and node.getClientRects().length:
                dom.focus(node)
        return True

    def reset_user_state(self) -> None:
        """Forget everything about the last user: a 2FA set-up in progress,
        open forms and dialogs, typed values, reports, messages, caches."""
        dom.close_dialogs()
        dom.release_all()
        for reset in self.resetters:
            reset(self)
        for f in ("basic-form", "token-form"):
            el(f).reset()
        dom.clear(el("device-out"))
        for box in dom.doc.querySelectorAll(".msg"):
            dom.clear_msg(str(box.id))

    def signed_out(self, keep_input: bool = False) -> None:
        """Back to the sign-in card. ``keep_input``: the session expired, so
        what the user typed stays for when they (the same user) sign in again."""
        self.kept_for = self.username if keep_input else ""
        self.epoch += 1
        if self.account is not None:
            self.account.close()  # credentials, permissions, state and 2FA set-ups
        self.account = None
        self.state = None
        js.sessionStorage.removeItem(CREDS_KEY)
        js.sessionStorage.removeItem(OPEN_KEY)
        dom.close_dialogs()
        if not keep_input:
            self.reset_user_state()
        nav.leave(self)
        self.render()

    def sign_out(self) -> None:
        self.signed_out()
        self.note("ok", t("ui.signout.title"), t("ui.signout.done"))

    # --- the four ways in ---------------------------------------------------------
    async def oauth_start(self, _ev=None) -> None:
        server = self.read_server()
        if not server:
            return
        opts = await self.check_server(server)
        if not opts.login_page:  # 0.11-0.15: the notice says why; password + code instead
            el("login").focus()
            return
        md = opts.metadata or await self.run("signin-msg", lambda: auth.discover(server, browser_fetch))
        url, pending = auth.begin_authorization(server, self.page_base(), metadata=md)
        js.sessionStorage.setItem(PENDING_KEY, json.dumps({"pending": pending.to_json(),
                                                           "stay": self.stay()}))
        dom.announce(t("ui.signin.redirecting"))
        js.location.assign(url)

    async def oauth_return(self, query: dict) -> None:
        """Back from the server's /login with ?code&state: clean the URL first."""
        js.history.replaceState(None, "", self.page_base())
        raw = js.sessionStorage.getItem(PENDING_KEY)
        js.sessionStorage.removeItem(PENDING_KEY)
        if not raw:
            show("signin-msg", "error", t("ui.signin.no_pending"))
            return
        data = json.loads(str(raw))
        pending = auth.PendingAuthorization.from_json(data["pending"])
        if not self.config.allows(pending.origin):  # the config changed during the redirect
            show("signin-msg", "error", t("ui.signin.no_pending"))
            return
        el("stay").checked = bool(data.get("stay"))
        self.server = pending.origin
        if self.config.bound and len(self.config.servers) > 1:
            el("server-pick").value = pending.origin
        else:
            dom.set_value("server-url", pending.origin)
        self.show_destination()
        creds = await self.run("signin-msg", lambda: auth.complete_authorization(pending, query, browser_fetch))
        await self.sign_in(creds)

    async def basic(self, _ev=None) -> None:
        server = self.read_server()
        if not server:
            return
        login = dom.value("login").strip()
        secret = dom.value("login-password")
        code = dom.value("login-code").replace(" ", "")
        if not login or not secret:
            show("signin-msg", "error", t("ui.signin.need_login"))
            (el("login") if not login else el("login-password")).focus()
            return
        try:
            opts = await self.check_server(server)
            # 0.11-0.15 two-factor: password$code is traded once for a token, so
            # the page does not need a fresh code for every request.
            creds = await self.run("signin-msg", lambda: auth.password_sign_in(
                server, login, secret, code, opts, browser_fetch))
            await self.sign_in(creds, login)
        except dom.Handled:
            e = self.last_error
            # where this server takes the code: its login page, or the code field here
            if isinstance(e, MfaRequired) and not self.options.login_page:
                el("login-code").focus()
            elif isinstance(e, MfaRequired):
                el("oauth-btn").focus()
            elif isinstance(e, AuthRequired):
                el("login" if e.key == "err.auth_required_account_name" else "login-password").focus()
            raise

    async def token(self, _ev=None) -> None:
        server = self.read_server()
        if not server:
            return
        try:
            creds = auth.api_key(dom.value("token"))
        except StalwartError as e:
            show_error("signin-msg", e)
            return
        await self.sign_in(creds)

    async def device(self, _ev=None) -> None:
        server = self.read_server()
        if not server:
            return
        opts = await self.check_server(server)
        dev = await self.run("signin-msg", lambda: auth.start_device_flow(
            server, browser_fetch, metadata=opts.metadata))
        out = el("device-out")
        dom.clear(out)
        out.appendChild(dom.make("span", t("ui.signin.device_go") + " "))
        link = dev.link  # https (or http on this machine) only; the full link only on the same origin
        where = dom.make("a", "", href=link, target="_blank", rel="noopener noreferrer") if link \
            else dom.make("code")
        where.appendChild(dom.foreign(dev.verification_uri))  # the server's words: no bidi controls
        out.appendChild(where)
        out.appendChild(dom.make("span", " " + t("ui.signin.device_code") + " "))
        code = dom.make("strong", "", "key")
        code.appendChild(dom.foreign(dev.user_code))
        out.appendChild(code)
        interval = max(1, int(dev.interval or 5))
        while time.time() < dev.expires_at:
            await _sleep(interval)
            try:
                creds = await auth.poll_device_flow(dev, browser_fetch)
            except AuthorizationPending as p:
                if p.error == "slow_down":
                    interval += 5
                continue
            except StalwartError as e:
                dom.clear(out)
                show_error("signin-msg", e)
                return
            dom.clear(out)
            await self.sign_in(creds)
            return
        dom.clear(out)
        show("signin-msg", "error", t("ui.signin.device_expired"))


def nullable_str(value: Any) -> Optional[str]:
    """A storage value as text; JavaScript null (not None in this runtime) as None."""
    value = dom.nullable(value)
    return None if value is None else str(value)


async def _sleep(seconds: float) -> None:
    import asyncio
    await asyncio.sleep(seconds)
