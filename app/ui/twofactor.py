"""Two-factor section: set up (secret made here), save the recovery kit, check
the first code here, save; move to a new app or turn off with the current code.
What it says comes from ``views.sections`` and ``views.outcomes``; the set-up
in progress lives in the user's object (``app.user.totp_setup``)."""
from __future__ import annotations

import js  # type: ignore[import-not-found]

from app import i18n
from app.stalwart.state import ENDED, REPLACE, TURN_OFF, TURN_ON
from app.ui import dom
from app.ui.dom import el
from app.ui.sections import gate, set_text
from app.ui.views import outcomes as O
from app.ui.views import sections as V
from app.ui.views.say import Foreign, Say

SETUP = ("totp-setup", "totp-actions")      # what turning on holds while it runs
DISABLE = ("totp-disable", "totp-actions")  # what turning off holds
# the errors' field names -> the set-up form's fields, in the order shown
FIELDS = {"new_code": "totp-code", "otp_url": "totp-code", "code": "totp-old-code",
          "current_password": "totp-password"}
DIS_FIELDS = {"code": "totp-dis-code", "current_password": "totp-dis-password"}


def _effects(node_id: str, says) -> None:
    box = el(node_id)
    dom.clear(box)
    for say in says:
        li = dom.make("li")
        dom.write(li, say)
        box.appendChild(li)
    box.hidden = not says


def render(app) -> None:
    st = app.state
    u = app.user
    view = gate("two-factor", app)
    state = V.two_factor_state(st)
    line = el("totp-state")
    if state.line is None:
        line.textContent = ""
    else:
        dom.write(line, state.line)
    line.className = "state " + ("on" if state.on else "off")
    busy = u.totp_setup is not None or u.disabling
    el("totp-start").hidden = state.on or busy or not view.offered(TURN_ON)
    el("totp-replace").hidden = not state.on or busy or not view.offered(REPLACE)
    el("totp-off").hidden = not state.on or busy or not view.offered(TURN_OFF)
    el("totp-setup").hidden = u.totp_setup is None
    el("totp-disable").hidden = not (state.on and u.disabling)
    if u.totp_setup is not None and st is not None:
        words = V.two_factor_setup(st, u.totp_setup.replacing, app.options.login_page)
        set_text("totp-setup-h", words.heading)
        set_text("totp-step-code", words.code_step)
        set_text("totp-code-label", words.code_label)
        set_text("totp-confirm", words.submit)
        set_text("totp-confirm-why", words.kit_first)
        _effects("totp-effects", words.effects)
        el("totp-kit-status").textContent = dom.tr("ui.totp.kit_saved") if u.kit_saved else ""
    if u.disabling and st is not None:
        _effects("totp-dis-effects", V.two_factor_off_effects(st))
    ready = u.kit_saved or bool(el("totp-kit-elsewhere").checked)
    el("totp-confirm").disabled = not ready
    el("totp-confirm-why").hidden = ready


def begin(app, replacing: bool) -> None:
    forget(app)
    # the account makes the key and checks its URL against the server's rules
    setup = app.user.totp_setup = app.account.start_two_factor_setup()
    el("totp-setup").reset()
    el("totp-qr").innerHTML = setup.qr_svg(dom.tr(Say("ui.totp.qr_title", {"account": Foreign(app.username)})))
    el("totp-key").textContent = setup.key
    dom.clear_msg("totp-copied")
    el("totp-old-row").hidden = not setup.replacing
    dom.clear_msg("totp-msg")
    dom.clear_msg("totp-setup-msg")
    render(app)
    el("totp-setup-h").setAttribute("tabindex", "-1")
    dom.focus("totp-setup-h")


def forget(app) -> None:
    """The set-up's key goes (from memory and from the page)."""
    u = app.user
    if u.totp_setup is not None:
        u.totp_setup.discard()
    u.totp_setup = None
    u.kit_saved = False
    el("totp-qr").innerHTML = ""
    el("totp-key").textContent = ""
    el("totp-kit-status").textContent = ""
    dom.clear_msg("totp-copied")
    el("totp-setup").reset()
    dom.clear_msg("totp-setup-msg")


def cancel(app) -> None:
    forget(app)
    render(app)
    on = bool(app.state and app.state.two_factor.enabled)
    el("totp-start" if not on else "totp-replace").focus()


async def confirm_setup(app, _ev=None) -> None:
    msg = "totp-setup-msg"
    u = app.user
    code = dom.value("totp-code").replace(" ", "")
    password = dom.value("totp-password")
    old = dom.value("totp-old-code").replace(" ", "") or None
    if not (u.kit_saved or el("totp-kit-elsewhere").checked):
        dom.field_error("totp-kit", msg, Say("ui.totp.kit_first"))
        return
    setup = u.totp_setup
    before = app.state
    # What this does to the sign-in is said in the form already (no "are you
    # sure?" before the server has checked the password).
    out = await app.run(msg, lambda: app.account.enable_totp(password, setup, old, new_code=code),
                        FIELDS, retry=lambda: el("totp-setup").requestSubmit(),
                        code_given=bool(old))
    forget(app)
    ended = O.ended(out, before, login_page=app.options.login_page) if out.session == ENDED else None
    app.finish(out, before, "totp-msg", O.two_factor_on(out, before) if ended is None else None,
               ended, "totp-replace")


def open_disable(app) -> None:
    app.user.disabling = True
    el("totp-disable").reset()
    dom.clear_msg("totp-disable-msg")
    dom.clear_msg("totp-msg")
    render(app)
    dom.focus("totp-dis-code")


def close_disable(app) -> None:
    app.user.disabling = False
    el("totp-disable").reset()
    dom.clear_msg("totp-disable-msg")
    render(app)
    dom.focus("totp-off")


async def disable(app, _ev=None) -> None:
    msg = "totp-disable-msg"
    code = dom.value("totp-dis-code").replace(" ", "")
    password = dom.value("totp-dis-password")
    before = app.state
    # what turning it off means is said in the form, above its button
    out = await app.run(msg, lambda: app.account.disable_totp(password, code), DIS_FIELDS,
                        retry=lambda: el("totp-disable").requestSubmit(), code_given=bool(code))
    app.user.disabling = False
    el("totp-disable").reset()
    ended = O.ended(out, before, login_page=app.options.login_page) if out.session == ENDED else None
    app.finish(out, before, "totp-msg", O.two_factor_off(out, before) if ended is None else None,
               ended, "totp-start")


def download_kit(app, _ev=None) -> None:
    setup = app.user.totp_setup
    if setup is None:
        return
    html = setup.recovery_kit(app.server, i18n.get_language())
    blob = js.Blob.new([html], js.Object.fromEntries([["type", "text/html"]]))
    href = js.URL.createObjectURL(blob)
    a = dom.make("a", href=href, download="two-factor-recovery-kit.html")
    js.document.body.appendChild(a)
    a.click()
    a.remove()
    dom.spawn(_revoke_later(href))
    app.user.kit_saved = True
    render(app)


async def _revoke_later(href: str) -> None:
    import asyncio
    await asyncio.sleep(5)  # the download must have started before the URL goes
    js.URL.revokeObjectURL(href)


async def copy_key(app, _ev=None) -> None:
    setup = app.user.totp_setup
    if setup is not None and setup.secret:
        await dom.copy_text(setup.secret, "totp-copied")


def reset(app) -> None:
    forget(app)
    el("totp-disable").reset()
    el("totp-state").textContent = ""


def wire(app) -> None:
    dom.on("totp-start", "click", lambda ev: begin(app, False), errors_to="totp-msg")
    dom.on("totp-replace", "click", lambda ev: begin(app, True), errors_to="totp-msg")
    dom.on("totp-off", "click", lambda ev: open_disable(app), errors_to="totp-msg")
    dom.on("totp-cancel", "click", lambda ev: cancel(app), errors_to="totp-setup-msg")
    dom.on("totp-dis-cancel", "click", lambda ev: close_disable(app), errors_to="totp-disable-msg")
    dom.on("totp-setup", "submit", lambda ev: confirm_setup(app, ev), prevent=True,
           errors_to="totp-setup-msg", busy=SETUP)
    dom.on("totp-disable", "submit", lambda ev: disable(app, ev), prevent=True,
           errors_to="totp-disable-msg", busy=DISABLE)
    dom.on("totp-kit", "click", lambda ev: download_kit(app, ev), errors_to="totp-setup-msg")
    dom.on("totp-kit-elsewhere", "change", lambda ev: render(app))
    dom.on("totp-copy", "click", lambda ev: copy_key(app, ev))
    app.renderers.append(render)
    app.resetters.append(reset)

