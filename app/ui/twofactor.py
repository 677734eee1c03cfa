"""Two-factor section: set up (secret made here), check the first code here, save;
replace and turn off with the current code; download a recovery kit."""
from __future__ import annotations

from typing import Optional

import js  # type: ignore[import-not-found]

from app import i18n, totp
from app.stalwart import TOTP
from app.ui import dom
from app.ui.dom import el, show, t
from app.ui.sections import gate


class Setup:
    """The secret being set up lives only here, in memory, until it is saved."""
    secret: Optional[str] = None
    url: Optional[str] = None
    replacing = False


def render(app) -> None:
    st = app.state
    gate("totp", app, TOTP)
    on = bool(st and st.totp_enabled)
    state = el("totp-state")
    if st is None:
        state.textContent = ""
    elif st.totp_enabled is None:
        state.textContent = t("ui.totp.unknown")
    else:
        state.textContent = t("ui.totp.is_on") if on else t("ui.totp.is_off")
    state.className = "state " + ("on" if on else "off")
    el("totp-start").hidden = on or Setup.secret is not None
    el("totp-replace").hidden = not on or Setup.secret is not None
    el("totp-disable").hidden = not on or Setup.secret is not None
    el("totp-setup").hidden = Setup.secret is None


def _issuer() -> str:
    return totp.DEFAULT_ISSUER


def begin(app, replacing: bool) -> None:
    Setup.secret = totp.new_secret()
    Setup.url = totp.build_url(Setup.secret, app.username, _issuer())
    Setup.replacing = replacing
    problems = totp.validate_url(Setup.url, "legacy" if app.generation == "legacy" else "0.16")
    if problems:  # cannot happen with our own builder; never save a URL that would lock the user out
        show("totp-msg", "error", "; ".join(i18n.translate(p) for p in problems))
        Setup.secret = Setup.url = None
        return
    el("totp-qr").innerHTML = totp.qr_svg(Setup.url, t("ui.totp.qr_title", account=app.username))
    el("totp-key").textContent = totp.group_key(Setup.secret)
    el("totp-old-row").hidden = not replacing
    el("totp-setup-h").textContent = t("ui.totp.replace") if replacing else t("ui.totp.setup")
    render(app)
    dom.clear_msg("totp-msg")
    el("totp-code").focus()


def cancel(app) -> None:
    Setup.secret = Setup.url = None
    el("totp-qr").innerHTML = ""
    el("totp-key").textContent = ""
    el("totp-setup").reset()
    render(app)
    el("totp-start" if not (app.state and app.state.totp_enabled) else "totp-replace").focus()


async def confirm_setup(app, _ev=None) -> None:
    code = dom.value("totp-code")
    password = dom.value("totp-password")
    old = dom.value("totp-old-code").replace(" ", "") or None
    if not totp.check_code(Setup.url, code):
        show("totp-msg", "error", t("ui.totp.bad_code"))
        el("totp-code").focus()
        return
    if not password:
        show("totp-msg", "error", t("ui.password.need_current"))
        el("totp-password").focus()
        return
    if Setup.replacing and not old:
        show("totp-msg", "error", t("ui.totp.need_old_code"))
        el("totp-old-code").focus()
        return
    url = Setup.url
    with dom.busy("totp-setup"):
        changed = await app.run("totp-msg", lambda: app.account.enable_totp(password, url, old))
    Setup.secret = Setup.url = None
    el("totp-qr").innerHTML = ""
    el("totp-key").textContent = ""
    el("totp-setup").reset()
    signin = t("ui.totp.on_signin_legacy" if app.generation == "legacy" else "ui.totp.on_signin")
    await app.after_change(changed, "totp-msg", t("ui.totp.now_on"), signin, "totp-replace")


async def disable(app, _ev=None) -> None:
    code = dom.value("totp-dis-code").replace(" ", "")
    password = dom.value("totp-dis-password")
    if not code or not password:
        show("totp-msg", "error", t("ui.totp.need_code_and_password"))
        el("totp-dis-code" if not code else "totp-dis-password").focus()
        return
    if not await dom.confirm(t("ui.totp.disable_confirm"), t("ui.totp.disable_submit")):
        return
    with dom.busy("totp-disable"):
        changed = await app.run("totp-msg", lambda: app.account.disable_totp(password, code))
    el("totp-disable").reset()
    await app.after_change(changed, "totp-msg", t("ui.totp.now_off"), t("ui.signin.expired"), "totp-start")


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
    show("totp-msg", "ok", t("ui.totp.kit_saved"))


async def _revoke_later(href: str) -> None:
    import asyncio
    await asyncio.sleep(5)  # the download must have started before the URL goes
    js.URL.revokeObjectURL(href)


def wire(app) -> None:
    dom.on("totp-start", "click", lambda ev: begin(app, False), errors_to="totp-msg")
    dom.on("totp-replace", "click", lambda ev: begin(app, True), errors_to="totp-msg")
    dom.on("totp-cancel", "click", lambda ev: cancel(app), errors_to="totp-msg")
    dom.on("totp-setup", "submit", lambda ev: confirm_setup(app, ev), prevent=True, errors_to="totp-msg")
    dom.on("totp-disable", "submit", lambda ev: disable(app, ev), prevent=True, errors_to="totp-msg")
    dom.on("totp-kit", "click", lambda ev: download_kit(app, ev), errors_to="totp-msg")
    dom.on("totp-copy", "click", lambda ev: dom.copy_text(Setup.secret or "", "totp-msg"))
    app.renderers.append(render)
