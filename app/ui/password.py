"""Password section: live strength feedback (server policy) and the change."""
from __future__ import annotations

from app import passwords
from app.errors import WrongCurrentSecret
from app.stalwart import PASSWORD
from app.ui import actions, dom
from app.ui.dom import el, t
from app.ui.sections import gate

FORM = ("password-form",)  # what one password change holds while it runs
FIELDS = {WrongCurrentSecret: "pw-current", "current_password": "pw-current",
          "new_password": "pw-new", "otp_code": "pw-code", "otpCode": "pw-code"}


def render(app) -> None:
    st = app.state
    gate("password", app, PASSWORD)
    el("pw-wipe").hidden = not (st and st.legacy_password_change_wipes)
    # legacy: the code goes with the password (pw$code); 0.16: otpCode field
    el("pw-code-row").hidden = not (st and st.totp_enabled)
    # moves to app/stalwart (issue 9): the state should carry the password policy
    el("pw-policy").hidden = bool(st and st.generation == "legacy")


def _inputs(app) -> list[str]:
    return passwords.user_inputs_for(app.username) if app.account else []


def _policy(app) -> str:
    # moves to app/stalwart (issue 9): the state should carry the password policy
    return app.generation if app.generation == "legacy" else "0.16"


def strength(app, _ev=None) -> None:
    pw = dom.value("pw-new")
    s = passwords.assess(pw, _inputs(app), _policy(app))
    d = passwords.describe(s)
    el("pw-meter").value = s.score if pw else 0
    box = el("pw-strength")
    dom.clear(box)
    if not pw:
        return
    box.appendChild(dom.make("strong", f"{d['label']}. "))
    box.appendChild(dom.make("span", d["verdict"] + " "))
    if d["crack_time"]:
        box.appendChild(dom.make("span", d["crack_time"]))
    if d["advice"]:
        box.appendChild(dom.make("p", d["advice"]))


async def submit(app, _ev=None) -> None:
    msg = "password-msg"
    current = dom.value("pw-current")
    new = dom.value("pw-new")
    confirm = dom.value("pw-confirm")
    code = dom.value("pw-code").replace(" ", "") or None
    dom.clear_msg(msg)
    # moves to app/stalwart (issue 9): these checks belong to change_password
    if not current:
        dom.field_error("pw-current", msg, t("ui.password.need_current"))
        return
    s = passwords.assess(new, _inputs(app), _policy(app))
    if not s.ok:
        dom.field_error("pw-new", msg, passwords.describe(s)["verdict"])
        return
    if new != confirm:
        dom.field_error("pw-confirm", msg, t("ui.password.mismatch"))
        return
    if app.state.totp_enabled and not code:
        dom.field_error("pw-code", msg, t("ui.password.need_code"))
        return
    if app.state.legacy_password_change_wipes and not await dom.confirm(
            t("ui.password.legacy_wipe"), t("ui.password.submit"), t("ui.password.confirm_title")):
        return
    changed = await actions.change_password(app, msg, current, new, code, FIELDS)
    el("password-form").reset()
    strength(app)
    # 0.16 revokes OAuth tokens on a password change: then the user signs in again.
    await app.after_change(changed, msg,
                           t("ui.password.changed_wiped") if changed.wiped else t("ui.password.changed"),
                           (t("ui.password.changed"), t("ui.password.changed_wiped_signin")
                            if changed.wiped else t("ui.password.changed_signin")), "pw-current")


def toggle_show(_ev=None) -> None:
    kind = "text" if el("pw-show").checked else "password"
    for id_ in ("pw-current", "pw-new", "pw-confirm"):
        el(id_).type = kind


def reset(app) -> None:
    el("password-form").reset()
    toggle_show()
    strength(app)


def wire(app) -> None:
    dom.on("pw-new", "input", lambda ev: strength(app, ev), errors_to="password-msg")
    dom.on("password-form", "submit", lambda ev: submit(app, ev), prevent=True,
           errors_to="password-msg", busy=FORM)
    dom.on("pw-show", "change", toggle_show)
    app.renderers.append(render)
    app.resetters.append(reset)
