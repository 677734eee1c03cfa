"""Two-factor section: set up (secret made here), save the recovery kit, check
the first code here, save; move to a new app or turn off with the current code."""
from __future__ import annotations

from typing import Optional

import js  # type: ignore[import-not-found]

from app import i18n, totp
from app.errors import WrongCurrentSecret
from app.stalwart import TOTP
from app.ui import actions, dom
from app.ui.dom import el, t
from app.ui.sections import gate, set_text

SETUP = ("totp-setup", "totp-actions")      # what turning on holds while it runs
DISABLE = ("totp-disable", "totp-actions")  # what turning off holds
FIELDS = {WrongCurrentSecret: "totp-password", "current_password": "totp-password",
          "otp_url": "totp-code", "otp_code": "totp-old-code"}
DIS_FIELDS = {WrongCurrentSecret: "totp-dis-password", "current_password": "totp-dis-password",
              "otp_code": "totp-dis-code", "code": "totp-dis-code"}


class Setup:
    """The secret being set up lives only here, in memory, until it is saved,
    and only for the user who started it (sign-out forgets it)."""
    secret: Optional[str] = None
    url: Optional[str] = None
    replacing = False
    kit_saved = False   # downloaded the kit, or ticked "I saved the key elsewhere"
    disabling = False   # the "Turn off" form is open

    @classmethod
    def forget(cls) -> None:
        cls.secret = cls.url = None
        cls.replacing = cls.kit_saved = cls.disabling = False


def render(app) -> None:
    st = app.state
    gate("two-factor", app, TOTP)
    on = bool(st and st.totp_enabled)
    state = el("totp-state")
    if st is None:
        state.textContent = ""
    elif st.totp_enabled is None:
        state.textContent = t("ui.totp.unknown")
    else:
        state.textContent = t("ui.totp.is_on") if on else t("ui.totp.is_off")
    state.className = "state " + ("on" if on else "off")
    busy = Setup.secret is not None or Setup.disabling
    el("totp-start").hidden = on or busy
    el("totp-replace").hidden = not on or busy
    el("totp-off").hidden = not on or busy
    el("totp-setup").hidden = Setup.secret is None
    el("totp-disable").hidden = not (on and Setup.disabling)
    ready = Setup.kit_saved or bool(el("totp-kit-elsewhere").checked)
    el("totp-confirm").disabled = not ready
    el("totp-confirm-why").hidden = ready


def _issuer() -> str:
    return totp.DEFAULT_ISSUER


def begin(app, replacing: bool) -> None:
    Setup.forget()
    Setup.secret = totp.new_secret()
    Setup.url = totp.build_url(Setup.secret, app.username, _issuer())
    Setup.replacing = replacing
    # moves to app/stalwart (issue 9): the account should build and check the URL
    problems = totp.validate_url(Setup.url, "legacy" if app.generation == "legacy" else "0.16")
    if problems:  # cannot happen with our own builder; never save a URL that would lock the user out
        dom.show("totp-msg", "error", "; ".join(i18n.translate(p) for p in problems))
        Setup.forget()
        return
    el("totp-setup").reset()
    el("totp-qr").innerHTML = totp.qr_svg(Setup.url, t("ui.totp.qr_title", account=app.username))
    el("totp-key").textContent = totp.group_key(Setup.secret)
    el("totp-copied").textContent = ""
    el("totp-kit-status").textContent = ""
    el("totp-old-row").hidden = not replacing
    set_text("totp-setup-h", "ui.totp.replace" if replacing else "ui.totp.setup")
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
    el("totp-start" if not (app.state and app.state.totp_enabled) else "totp-replace").focus()


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
    # moves to app/stalwart (issue 9): enable_totp should check the first code itself
    if not totp.check_code(Setup.url, code):
        dom.field_error("totp-code", msg, t("ui.totp.bad_code"))
        return
    if not password:
        dom.field_error("totp-password", msg, t("ui.password.need_current"))
        return
    if Setup.replacing and not old:
        dom.field_error("totp-old-code", msg, t("ui.totp.need_old_code"))
        return
    url = Setup.url
    changed = await actions.enable_totp(app, msg, password, url, old, FIELDS)
    _close_setup()
    signin = t("ui.totp.on_signin_legacy" if app.generation == "legacy" else "ui.totp.on_signin")
    await app.after_change(changed, "totp-msg", t("ui.totp.now_on"),
                           (t("ui.totp.now_on"), signin), "totp-replace")


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
    if not code or not password:
        dom.field_error("totp-dis-code" if not code else "totp-dis-password", msg,
                        t("ui.totp.need_code_and_password"))
        return
    if not await dom.confirm(t("ui.totp.disable_confirm"), t("ui.totp.disable_submit"),
                             t("ui.totp.disable")):
        return
    changed = await actions.disable_totp(app, msg, password, code, DIS_FIELDS)
    Setup.disabling = False
    el("totp-disable").reset()
    await app.after_change(changed, "totp-msg", t("ui.totp.now_off"),
                           (t("ui.totp.now_off"), t("ui.totp.off_signin")), "totp-start")


def download_kit(app, _ev=None) -> None:
    if not Setup.secret:
        return
    html = totp.recovery_kit(app.username, _issuer(), Setup.secret, Setup.url, app.server,
                             i18n.get_language())
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
    if Setup.secret:
        await dom.copy_text(Setup.secret, "totp-copied")


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
