"""Two-factor section: set up (secret made here), save the recovery kit, check
the first code here, save; move to a new app or turn off with the current code."""
from __future__ import annotations

import js  # type: ignore[import-not-found]

from app import i18n
from app.stalwart.state import ENDED
from app.ui import actions, dom
from app.ui.dom import el, t
from app.ui.sections import explain, gate, set_text

SETUP = ("totp-setup", "totp-actions")      # what turning on holds while it runs
DISABLE = ("totp-disable", "totp-actions")  # what turning off holds
FIELDS = {"current_password": "totp-password", "new_code": "totp-code", "otp_url": "totp-code",
          "code": "totp-old-code"}
DIS_FIELDS = {"current_password": "totp-dis-password", "code": "totp-dis-code"}


class Setup:
    """The set-up in progress (``app.stalwart.TotpSetup``: its key lives only
    there, in memory, until it is saved), and only for the user who started
    it (sign-out discards it)."""
    obj = None
    kit_saved = False   # downloaded the kit, or ticked "I saved the key elsewhere"
    disabling = False   # the "Turn off" form is open

    @classmethod
    def forget(cls) -> None:
        if cls.obj is not None:
            cls.obj.discard()
        cls.obj = None
        cls.kit_saved = cls.disabling = False


def render(app) -> None:
    st = app.state
    gate("two-factor", app, "two_factor")
    tf = st.two_factor if st else None
    on = bool(tf and tf.enabled)
    state = el("totp-state")
    if tf is None:
        state.textContent = ""
    elif tf.enabled is None:
        state.textContent = t("ui.totp.unknown")
    else:
        state.textContent = t("ui.totp.is_on") if on else t("ui.totp.is_off")
    state.className = "state " + ("on" if on else "off")
    busy = Setup.obj is not None or Setup.disabling
    el("totp-start").hidden = on or busy or not (tf and tf.can("turn_on"))
    el("totp-replace").hidden = not on or busy or not tf.can("replace")
    el("totp-off").hidden = not on or busy or not tf.can("turn_off")
    explain("two-factor", app, "two_factor", tf, "turn_off" if on else "turn_on")
    el("totp-setup").hidden = Setup.obj is None
    el("totp-disable").hidden = not (on and Setup.disabling)
    ready = Setup.kit_saved or bool(el("totp-kit-elsewhere").checked)
    el("totp-confirm").disabled = not ready
    el("totp-confirm-why").hidden = ready


def begin(app, replacing: bool) -> None:
    Setup.forget()
    # the account makes the key and checks its URL against the server's rules
    Setup.obj = app.account.start_two_factor_setup()
    el("totp-setup").reset()
    el("totp-qr").innerHTML = Setup.obj.qr_svg(t("ui.totp.qr_title", account=app.username))
    el("totp-key").textContent = Setup.obj.key
    el("totp-copied").textContent = ""
    el("totp-kit-status").textContent = ""
    el("totp-old-row").hidden = not Setup.obj.replacing
    set_text("totp-setup-h", "ui.totp.replace" if Setup.obj.replacing else "ui.totp.setup")
    dom.clear_msg("totp-msg")
    dom.clear_msg("totp-setup-msg")
    render(app)
    el("totp-setup-h").setAttribute("tabindex", "-1")
    dom.focus("totp-setup-h")


def _close_setup() -> None:
    Setup.forget()
    el("totp-qr").innerHTML = ""
    el("totp-key").textContent = ""
    el("totp-copied").textContent = ""
    el("totp-kit-status").textContent = ""
    el("totp-setup").reset()
    dom.clear_msg("totp-setup-msg")


def cancel(app) -> None:
    _close_setup()
    render(app)
    on = bool(app.state and app.state.two_factor.enabled)
    el("totp-start" if not on else "totp-replace").focus()


def _signin_again(app) -> str:
    """How to sign in once 2FA is on: the server's login page, or password + code here."""
    return t("ui.totp.on_signin" if app.options.login_page else "ui.totp.on_signin_legacy")


async def confirm_setup(app, _ev=None) -> None:
    msg = "totp-setup-msg"
    code = dom.value("totp-code")
    password = dom.value("totp-password")
    old = dom.value("totp-old-code").replace(" ", "") or None
    dom.clear_msg(msg)
    if not (Setup.kit_saved or el("totp-kit-elsewhere").checked):
        dom.show(msg, "error", t("ui.totp.kit_first"))
        dom.focus("totp-kit")
        return
    setup = Setup.obj
    tf = app.state.two_factor
    effect = tf.session_after_replace if setup.replacing else tf.session_after_turn_on
    if effect == ENDED:
        # the action's own input checks first: no question about a typo
        app.check(msg, lambda: app.account.check_enable_totp(password, setup, old,
                                                             new_code=code.replace(" ", "")), FIELDS)
    if effect == ENDED and not await dom.confirm(
            t("ui.totp.warn_ended"), t("ui.totp.confirm"), t("ui.totp.warn_title"),
            [_signin_again(app)], danger=False):
        return
    out = await actions.enable_totp(app, msg, password, setup, old, code.replace(" ", ""), FIELDS,
                                    retry=lambda: el("totp-setup").requestSubmit())
    _close_setup()
    app.finish(out, "totp-msg", t("ui.totp.now_on"), (t("ui.totp.now_on"), _signin_again(app)),
               "totp-replace")


def open_disable(app) -> None:
    Setup.disabling = True
    el("totp-disable").reset()
    dom.clear_msg("totp-disable-msg")
    dom.clear_msg("totp-msg")
    render(app)
    dom.focus("totp-dis-code")


def close_disable(app) -> None:
    Setup.disabling = False
    el("totp-disable").reset()
    dom.clear_msg("totp-disable-msg")
    render(app)
    dom.focus("totp-off")


async def disable(app, _ev=None) -> None:
    msg = "totp-disable-msg"
    code = dom.value("totp-dis-code").replace(" ", "")
    password = dom.value("totp-dis-password")
    dom.clear_msg(msg)
    if not await dom.confirm(t("ui.totp.disable_confirm"), t("ui.totp.disable_submit"),
                             t("ui.totp.disable")):
        return
    out = await actions.disable_totp(app, msg, password, code, DIS_FIELDS,
                                     retry=lambda: el("totp-disable").requestSubmit())
    Setup.disabling = False
    el("totp-disable").reset()
    app.finish(out, "totp-msg", t("ui.totp.now_off"), (t("ui.totp.now_off"), t("ui.totp.off_signin")),
               "totp-start")


def download_kit(app, _ev=None) -> None:
    if Setup.obj is None:
        return
    html = Setup.obj.recovery_kit(app.server, i18n.get_language())
    blob = js.Blob.new([html], js.Object.fromEntries([["type", "text/html"]]))
    href = js.URL.createObjectURL(blob)
    a = dom.make("a", href=href, download="two-factor-recovery-kit.html")
    js.document.body.appendChild(a)
    a.click()
    a.remove()
    dom.spawn(_revoke_later(href))
    Setup.kit_saved = True
    el("totp-kit-status").textContent = t("ui.totp.kit_saved")
    render(app)


async def _revoke_later(href: str) -> None:
    import asyncio
    await asyncio.sleep(5)  # the download must have started before the URL goes
    js.URL.revokeObjectURL(href)


async def copy_key(_ev=None) -> None:
    if Setup.obj is not None and Setup.obj.secret:
        await dom.copy_text(Setup.obj.secret, "totp-copied")


def reset(app) -> None:
    _close_setup()
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
    dom.on("totp-copy", "click", copy_key)
    app.renderers.append(render)
    app.resetters.append(reset)
