"""The page controller: sign-in, the signed-in account, and re-rendering.

One ``App`` object holds the only copy of the credentials (in memory). What
is kept in sessionStorage when the user ticked "stay signed in in this tab" is
``app.ui.views.signin.kept``'s decision (the server's token, an API key or a
0.16 app password; never a password), written by ``app.auth.session_storage_payload``.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Awaitable, Callable, Optional

import js  # type: ignore[import-not-found]

from app import auth, i18n, servers, stalwart
from app.errors import AuthorizationPending, CannotReach, SignedOut, StalwartError
from app.http import NetworkError, browser_fetch
from app.stalwart.state import ENDED, REPLACED
from app.ui import dom, early, language, nav
from app.ui import text as txt
from app.ui.dom import el, t
from app.ui.views import errors as V_errors
from app.ui.views import language as V_language
from app.ui.views import messages as V_messages
from app.ui.views import signin as V_signin
from app.ui.views.say import Foreign, Host, Say
from app.ui.views.uistate import UserUi

SERVER_KEY = "stalwart-account-security.server"   # localStorage: not secret; set after a sign-in only
# localStorage, not secret: the host's config.json as last read, for a visit
# while the host cannot be reached (offline); never used when it answers.
CONFIG_KEY = "stalwart-account-security.config"
CREDS_KEY = "stalwart-account-security.creds"     # sessionStorage, opt-in only
PENDING_KEY = "stalwart-account-security.pending"  # sessionStorage during the OAuth redirect
# The sign-in forms' fields, by the names errors use, in the order shown
SIGNIN_FIELDS = {"login": "login", "password": "login-password", "code": "login-code",
                 "code-row": "login-code-row", "oauth": "oauth-btn"}
# sessionStorage, no secret: "this tab had a session", so a reload that ends it
# (no "stay signed in") can say why the user sees the sign-in form again.
OPEN_KEY = "stalwart-account-security.session-open"


class App:
    def __init__(self):
        # Everything of the signed-in user (the account, its state, set-ups,
        # reports, what the message boxes say): one object sign-out replaces.
        self.user = UserUi()
        dom.use_slots(self.user.slots)
        self._other_opened = False
        self.kept = V_signin.NOTHING  # what this tab keeps of the sign-in (views.signin.kept)
        # A kept sign-in found while offline: whose it is, until the server answers again
        self.offline_user = ""
        self.offline_creds: Any = None
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
    def account(self) -> Optional[stalwart.SecurityAccount]:
        return self.user.account

    @account.setter
    def account(self, value: Optional[stalwart.SecurityAccount]) -> None:
        self.user.account = value

    @property
    def state(self) -> Optional[stalwart.SecurityState]:
        return self.user.state

    @state.setter
    def state(self, value: Optional[stalwart.SecurityState]) -> None:
        self.user.state = value

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
    def online(self) -> bool:
        return bool(js.navigator.onLine)

    async def run(self, msg_id: str, op: Callable[[], Awaitable[Any]],
                  fields: Optional[dict] = None, retry: Optional[Callable[[], None]] = None,
                  code_given: bool = False) -> Any:
        """Run a server operation; show its error in ``msg_id`` as
        ``views.errors.present`` decides (and at the field ``fields`` maps it
        to: the error's field names -> this form's element ids, in the form's
        order). Offline, nothing is sent. A 401 sends the user back to
        sign-in, keeping whatever they typed. When the failed action read the
        account anyway (``err.state``), the page shows that fresh state; an
        error after which trying again is safe offers ``retry`` (the form still
        holds what was typed); an unknown outcome offers a re-read."""
        dom.clear_msg(msg_id)
        self.last_error = None
        epoch = self.epoch
        signed_in = self.account is not None
        if not self.online():
            self.show_error(msg_id, V_errors.offline(signed_in), fields, retry)
            if not signed_in:
                self.status_not_signed_in()
            raise dom.Handled()
        try:
            result = await op()
        except SignedOut:
            raise dom.Handled() from None  # signed out meanwhile: nobody to tell
        except StalwartError as e:
            self.last_error = e
            if self.epoch != epoch:
                raise dom.Handled() from None  # the answer belongs to nobody on screen now
            blocked = isinstance(e, CannotReach) and e.origin in self.csp_blocked
            view = V_errors.present(
                e, signed_in=self.account is not None, online=self.online(),
                form=tuple(k for k in (fields or {}) if not k.endswith("-row")),
                code_given=code_given, page_origin=self.page_origin(),
                csp_blocked=blocked, csp_listed=blocked and servers.blocked_by_policy(
                    self.config, e.origin) == "ui.csp.listed_not_allowed",
                strength=self.user.strength)
            if view.sign_in_again:
                self.signed_out(keep_input=True)
                self.note(view.message)
                raise dom.Handled() from None
            fresh = e.state if isinstance(e.state, stalwart.SecurityState) else None
            if fresh is not None and self.account is not None:
                self.state = fresh  # what is true now, read with the failed change
                self.render()
            self.show_error(msg_id, view, fields, retry)
            if self.account is None:
                self.status_not_signed_in()
            raise dom.Handled() from None
        if self.epoch != epoch:  # signed out meanwhile: the answer is nobody's now
            raise dom.Handled()
        return result

    def show_error(self, msg_id: str, view: "V_errors.ErrorView", fields: Optional[dict] = None,
                   retry: Optional[Callable[[], None]] = None) -> None:
        offers = {}
        if retry is not None:
            offers[V_messages.RETRY] = dom.Offer(lambda ev: retry())
        offers[V_messages.CHECK] = dom.Offer(lambda ev: self.check_now(msg_id), busy=(msg_id,))
        if retry is None and V_messages.RETRY in view.message.offers:  # nothing to send again
            m = view.message
            view = V_errors.ErrorView(V_messages.Message(m.tone, m.lines, m.lists, m.server_text,
                                                         tuple(o for o in m.offers if o != V_messages.RETRY)),
                                      view.fields, view.focus, view.reveal)
        dom.show_error(msg_id, view, fields, offers)

    async def check_now(self, msg_id: str) -> None:
        """After an unknown outcome: read the account again and say it is current."""
        await self.reload(msg_id)
        dom.show(msg_id, V_messages.Message(V_messages.INFO, (Say("ui.checked_now"),)))

    def say(self, msg_id: str, key: str, **params: Any) -> None:
        """A problem the page found itself (nothing was sent), in ``msg_id``."""
        dom.show(msg_id, V_messages.Message(V_messages.ERROR, (Say(key, params),)))

    def status_not_signed_in(self) -> None:
        """The top line after a failed sign-in: never left on "Connecting to …"."""
        dom.announce(Say("ui.status.not_signed_in"))

    def note(self, message: "V_messages.Message") -> None:
        """The panel at the top of the sign-in card: what is now true after the
        session ended (a change, a sign-out, an expiry, a reload), and what to do."""
        dom.show("signin-note", message, scroll=False)
        if not early.keeps_focus():  # (someone typing while the page starts keeps the focus)
            js.window.scrollTo(0, 0)
            el("signin-note").focus()

    def clear_note(self) -> None:
        dom.clear_msg("signin-note")

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
            self.note(V_messages.Message(V_messages.ERROR, (
                Say("ui.config.broken_title"), Say("ui.config.broken"),
                Say("ui.config.broken_detail", {"problem": Foreign(cfg.problem, 300)}))))
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
            self.note(V_messages.Message(V_messages.WARN, (
                Say("ui.server.link_ignored_title"),
                Say("ui.server.link_ignored_bound" if cfg.bound else "ui.server.link_ignored_open"))))
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
            self.say("signin-msg", "ui.config.broken")
            return None
        if self.config.bound:
            server = self.current_server()
            if not self.config.allows(server):  # not reachable through the page's controls
                self.say("signin-msg", "ui.server.link_ignored_bound")
                return None
            self.server = server
            return server
        raw = dom.value("server-url").strip()
        if not raw:
            dom.field_error("server-url", "signin-msg", Say("ui.signin.need_server"))
            return None
        try:
            server = servers.canonical_origin(raw)
        except StalwartError as e:
            dom.field_error("server-url", "signin-msg", V_errors.error_say(e))
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
        if not self.online():
            return self.options  # nothing is sent offline: asked again once it is online
        if server and server != self.options_server:
            self.options_server = server
            # one probe per server, shared by whoever asks while it runs
            self._probe = asyncio.ensure_future(auth.probe(server, browser_fetch))
        if self._probe is not None:
            self.options = await self._probe
        self.render_sign_in_options()
        return self.options

    def render_sign_in_options(self, _app=None) -> None:
        """The sign-in card for the server at hand (``views.signin.card``)."""
        view = V_signin.card(self.options, self.stay())
        note = el("stay-note")
        note.hidden = view.stay_note is None
        if view.stay_note is not None:
            dom.write(note, view.stay_note)
        notice = el("signin-notice")
        el("oauth-btn").hidden = not view.login_page
        el("login-code-row").hidden = not view.code_field
        notice.hidden = view.notice is None
        if view.notice is None:
            notice.textContent = ""
        else:
            dom.write(notice, view.notice)
        if view.open_other and not self._other_opened:
            self._other_opened = True  # once: the user may close it again
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
            self.say("signin-msg", "ui.config.broken" if not self.config.usable
                     else "ui.server.link_ignored_bound")
            raise dom.Handled()
        dom.announce(Say("ui.signin.connecting", {"server": Host(server)}))
        account = await self.run("signin-msg", lambda: self._connect(server, creds, login),
                                 SIGNIN_FIELDS)
        self.account = account
        self.offline_user = ""
        # Remembered only now that this server accepted a sign-in, never when
        # typed or linked: a phishing link cannot plant itself for a later visit.
        js.localStorage.setItem(SERVER_KEY, server)
        self.state = account.state
        self.entered()
        self.persist()
        self.render()
        for id_ in ("login-password", "token", "login-code"):
            dom.set_value(id_, "")

    def entered(self) -> None:
        """Signed in: the account view replaces the sign-in card, at the section
        the address names (reload, back/forward), focus on its heading."""
        if self.kept_for and self.kept_for != self.username:
            self.reset_user_state()  # someone else: nothing typed for the last user stays
        self.kept_for = ""
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
        dom.announce(Say("ui.signin.done", {"user": Foreign(self.username)}))

    def persist(self, creds: Any = None) -> None:
        """Keep the credentials for this tab only if the user opted in (called
        by the account too, whenever it switches to new credentials), and note
        in the tab whether a reload will find them (``OPEN_KEY``)."""
        creds = creds if creds is not None else (self.account.credentials if self.account else None)
        method = self.state.sign_in.method if self.state is not None else ""
        payload = auth.session_storage_payload(creds, self.stay(), method) if creds is not None else None
        if payload:
            js.sessionStorage.setItem(CREDS_KEY, json.dumps({**payload, "server": self.server,
                                                             "user": self.username}))
        else:
            js.sessionStorage.removeItem(CREDS_KEY)
        self.kept = V_signin.kept(method, isinstance(creds, auth.Bearer) and creds.kind == "oauth") \
            if payload else V_signin.NOTHING
        if self.account is not None:
            # "not_kept": the box was ticked but this sign-in (a password) cannot be
            js.sessionStorage.setItem(OPEN_KEY, "not_kept" if self.stay() and not payload else "1")
        self.render_who()

    # --- offline ---------------------------------------------------------------------
    def restore_offline(self, creds: Any, user: str) -> None:
        """A sign-in kept in this tab, found while the browser is offline: the
        account view comes back with who it is, and each section says the
        server cannot be reached; the sign-in is made once the browser is online."""
        self.offline_creds, self.offline_user = creds, user or "?"
        who = el("who-name")
        dom.clear(who)
        who.appendChild(dom.foreign(self.offline_user, 80))
        where = el("who-server")
        dom.clear(where)
        where.appendChild(dom.foreign(txt.ascii_origin(self.server), 80))
        el("who-gen").textContent = ""
        self.kept = V_signin.TOKEN
        nav.enter(self)
        self.render()
        self.render_who()
        self.show_network()
        dom.announce(Say("ui.offline.now_short"))

    async def on_online(self, _ev=None) -> None:
        self.show_network()
        creds = self.offline_creds
        if creds is None:
            return
        self.offline_creds, self.offline_user = None, ""
        nav.leave(self)  # (any refusal is said on the sign-in card)
        await self.sign_in(creds)

    def show_network(self, _ev=None) -> None:
        """A line at the top while the browser is offline: nothing is sent then."""
        banner = el("net-banner")
        offline = not self.online()
        was = not banner.hidden
        banner.hidden = not offline
        if offline:
            dom.write(banner, "ui.offline.now" if self.account is not None or self.offline_user
                      else "ui.offline.signed_out")
            if not was:
                dom.announce(Say("ui.offline.now_short"))

    def render_who(self, _app=None) -> None:
        """Under "Signed in as": whether a reload keeps this sign-in."""
        node = el("who-kept")
        line = V_signin.kept_line(self.stay(), self.kept) \
            if self.account is not None or self.offline_user else None
        node.hidden = line is None
        if line is not None:
            dom.write(node, line)

    async def reload(self, msg_id: str = "signin-msg") -> None:
        self.state = await self.run(msg_id, self.account.load)
        self.render()

    def render(self) -> None:
        language.follow_account(self.state)  # before the sections draw their texts
        dom.drop_contradicted(self.state)    # no message stays that the state now denies
        for r in self.renderers:
            r(self)
        dom.reapply()  # a re-drawn list inside a running action stays held

    async def save_language(self, code: str) -> None:
        """Save the language picked in the page to the account, when it may
        (``views.language.locale_to_save``). Quietly: the pick is kept in this
        browser either way, and a failure changes nothing on screen."""
        st = self.state
        if st is None or self.account is None or not self.online():
            return
        locale = V_language.locale_to_save(code, st.locale, st.locale_writable)
        if locale is None:
            return
        epoch = self.epoch
        try:
            fresh = await self.account.set_locale(locale)
        except StalwartError:
            return
        if self.epoch == epoch:
            self.state = fresh

    def repaint(self) -> None:
        """A language switch: every text on screen again, in the new language."""
        self.render()
        dom.repaint()

    def finish(self, out, before, msg_id: str, message: "V_messages.Message",
               ended: "V_messages.Message", focus_id: Optional[str] = None,
               offers: Optional[dict] = None) -> bool:
        """The one way a change ends (``app.stalwart.Outcome``): the fresh
        state is shown, and what is now true under the button that was pressed
        (``message``, from ``views.outcomes``).

        If the change ended this sign-in (``out.session == ENDED``), the page
        cannot go on: the panel at the top of the sign-in card says what is now
        true and how to sign in again (``ended``). Returns False then, True
        when the account view goes on."""
        if out.session == ENDED:
            login = dom.value("login")  # the same person signs in again: keep the name
            self.signed_out(keep_input=False)
            dom.set_value("login", login)
            if not self.options.login_page:  # password (+ code) is the way in here
                el("signin-other").open = True
            self.note(ended)
            return False
        if out.session == REPLACED:
            self.persist()
        if out.state is not None:
            self.state = out.state
        self.render()
        all_offers = {V_messages.CHECK: dom.Offer(lambda ev: self.check_now(msg_id), busy=(msg_id,))}
        all_offers.update(offers or {})
        dom.show(msg_id, message, all_offers)
        target = el(focus_id) if focus_id else None
        if target is None or not target.getClientRects().length:
            target = el(msg_id)  # what happened is said there: the reader goes there
            target.setAttribute("tabindex", "-1")
        dom.focus(target)
        return True

    def reset_user_state(self) -> None:
        """Forget everything about the last user: a 2FA set-up in progress,
        open forms and dialogs, typed values, reports, messages, caches; the
        per-user object is replaced by a fresh one."""
        dom.close_dialogs()
        dom.release_all()
        for box in dom.doc.querySelectorAll(".msg"):
            dom.clear_msg(str(box.id))
        self.user.close()
        self.user = UserUi()
        dom.use_slots(self.user.slots)
        for reset in self.resetters:
            reset(self)
        for f in ("basic-form", "token-form"):
            el(f).reset()
        dom.clear(el("device-out"))

    def signed_out(self, keep_input: bool = False) -> None:
        """Back to the sign-in card. ``keep_input``: the session expired, so
        what the user typed stays for when they (the same user) sign in again."""
        self.kept_for = self.username if keep_input else ""
        self.epoch += 1
        if self.account is not None:
            self.account.close()  # credentials, permissions, state and 2FA set-ups
        self.account = None
        self.state = None
        self.offline_user, self.offline_creds = "", None
        js.sessionStorage.removeItem(CREDS_KEY)
        js.sessionStorage.removeItem(OPEN_KEY)
        dom.close_dialogs()
        if not keep_input:
            self.reset_user_state()
        nav.leave(self)
        self.render()

    def sign_out(self) -> None:
        self.signed_out()
        self.note(V_messages.Message(V_messages.OK, (Say("ui.signout.title"), Say("ui.signout.done"))))

    # --- the four ways in ---------------------------------------------------------
    async def oauth_start(self, _ev=None) -> None:
        server = self.read_server()
        if not server:
            return
        if not self.online():
            self.show_error("signin-msg", V_errors.offline(False))
            return
        opts = await self.check_server(server)
        if not opts.login_page:  # 0.11-0.15: the notice says why; password + code instead
            el("login").focus()
            return
        md = opts.metadata or await self.run("signin-msg", lambda: auth.discover(server, browser_fetch))
        url, pending = auth.begin_authorization(server, self.page_base(), metadata=md)
        js.sessionStorage.setItem(PENDING_KEY, json.dumps({"pending": pending.to_json(),
                                                           "stay": self.stay()}))
        dom.announce(Say("ui.signin.redirecting"))
        js.location.assign(url)

    async def oauth_return(self, query: dict) -> None:
        """Back from the server's /login with ?code&state: clean the URL first."""
        js.history.replaceState(None, "", self.page_base())
        raw = js.sessionStorage.getItem(PENDING_KEY)
        js.sessionStorage.removeItem(PENDING_KEY)
        if not raw:
            self.say("signin-msg", "ui.signin.no_pending")
            return
        data = json.loads(str(raw))
        pending = auth.PendingAuthorization.from_json(data["pending"])
        if not self.config.allows(pending.origin):  # the config changed during the redirect
            self.say("signin-msg", "ui.signin.no_pending")
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
        code = dom.value("login-code").replace(" ", "") if not el("login-code-row").hidden else ""
        if not login or not secret:
            dom.field_error("login" if not login else "login-password", "signin-msg",
                            Say("ui.signin.need_login"))
            return
        opts = await self.check_server(server) if self.online() else self.options
        # 0.11-0.15 two-factor: password$code is traded once for a token, so
        # the page does not need a fresh code for every request (and to stay
        # signed in, the password alone: the tab keeps the token, never the password).
        keep = self.stay()
        creds = await self.run("signin-msg", lambda: auth.password_sign_in(
            server, login, secret, code, opts, browser_fetch, keep=keep), SIGNIN_FIELDS,
            code_given=bool(code))
        await self.sign_in(creds, login)

    async def token(self, _ev=None) -> None:
        server = self.read_server()
        if not server:
            return
        try:
            creds = auth.api_key(dom.value("token"))
        except StalwartError as e:
            dom.field_error("token", "signin-msg", V_errors.error_say(e))
            return
        await self.sign_in(creds)

    async def device(self, _ev=None) -> None:
        server = self.read_server()
        if not server:
            return
        if not self.online():
            self.show_error("signin-msg", V_errors.offline(False))
            return
        opts = await self.check_server(server)
        dev = await self.run("signin-msg", lambda: auth.start_device_flow(
            server, browser_fetch, metadata=opts.metadata))
        self.user.device = dev
        self.render_device()
        interval = max(1, int(dev.interval or 5))
        try:
            while time.time() < dev.expires_at and self.user.device is dev:
                await _sleep(interval)
                if self.user.device is not dev:
                    return  # cancelled (or another one started)
                try:
                    creds = await auth.poll_device_flow(dev, browser_fetch)
                except AuthorizationPending as p:
                    if p.error == "slow_down":
                        interval += 5
                    continue
                except StalwartError as e:
                    self.user.device = None
                    self.render_device()
                    self.show_error("signin-msg", V_errors.present(e, signed_in=False, online=self.online()))
                    return
                self.user.device = None
                self.render_device()
                await self.sign_in(creds)
                return
        finally:
            if self.user.device is dev:
                self.user.device = None
                self.render_device()
                if time.time() >= dev.expires_at:
                    self.say("signin-msg", "ui.signin.device_expired")

    def cancel_device(self, _ev=None) -> None:
        self.user.device = None
        self.render_device()
        el("device-btn").focus()

    def render_device(self, _app=None) -> None:
        """The device sign-in in progress: where to go, the code, how long it is
        valid, that the page is waiting, and a way to stop (``views.signin.device``)."""
        out = el("device-out")
        dom.clear(out)
        dev = self.user.device
        el("device-btn").hidden = dev is not None
        if dev is None:
            return
        view = V_signin.device(dev, time.time())
        p = dom.make("p")
        p.appendChild(dom.make("span", dom.tr(view.go) + " "))
        if view.link:  # https (or http on this machine) only; the full link only on the same origin
            p.appendChild(dom.make("a", dev.verification_uri, href=view.link, target="_blank",
                                   rel="noopener noreferrer", dir="ltr"))
        else:
            p.appendChild(dom.make("code", dev.verification_uri, dir="ltr"))
        out.appendChild(p)
        code = dom.make("p")
        code.appendChild(dom.make("span", dom.tr(view.code_label) + " "))
        code.appendChild(dom.make("strong", dev.user_code, "key", dir="ltr"))
        out.appendChild(code)
        wait = dom.make("p", "", "waiting", role="status")
        dom.write(wait, view.waiting)
        out.appendChild(wait)
        stop = dom.make("button", dom.tr("ui.cancel"), "small", type="button", id="device-cancel")
        dom.on(stop, "click", self.cancel_device)
        out.appendChild(stop)


def nullable_str(value: Any) -> Optional[str]:
    """A storage value as text; JavaScript null (not None in this runtime) as None."""
    value = dom.nullable(value)
    return None if value is None else str(value)


async def _sleep(seconds: float) -> None:
    import asyncio
    await asyncio.sleep(seconds)
