"""Password section: live strength feedback (server policy) and the change."""
from __future__ import annotations

from app import passwords
from app.stalwart import PASSWORD
from app.ui import dom
from app.ui.dom import el, show, t
from app.ui.sections import gate


def render(app) -> None:
    st = app.state
    gate("password", app, PASSWORD)
    el("pw-wipe").hidden = not (st and st.legacy_password_change_wipes)
    # legacy: the code goes with the password (pw$code); 0.16: otpCode field
    el("pw-code-row").hidden = not (st and st.totp_enabled)
    el("pw-policy").hidden = bool(st and st.generation == "legacy")


def _inputs(app) -> list[str]:
    return passwords.user_inputs_for(app.username) if app.account else []


def strength(app, _ev=None) -> None:
    pw = dom.value("pw-new")
    policy = app.generation if app.generation == "legacy" else "0.16"
    s = passwords.assess(pw, _inputs(app), policy)
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
    current = dom.value("pw-current")
    new = dom.value("pw-new")
    confirm = dom.value("pw-confirm")
    code = dom.value("pw-code").replace(" ", "") or None
    if not current:
        show("password-msg", "error", t("ui.password.need_current"))
        el("pw-current").focus()
        return
    policy = app.generation if app.generation == "legacy" else "0.16"
    s = passwords.assess(new, _inputs(app), policy)
    if not s.ok:
        show("password-msg", "error", passwords.describe(s)["verdict"])
        el("pw-new").focus()
        return
    if new != confirm:
        show("password-msg", "error", t("ui.password.mismatch"))
        el("pw-confirm").focus()
        return
    if app.state.totp_enabled and not code:
        show("password-msg", "error", t("ui.password.need_code"))
        el("pw-code").focus()
        return
    if app.state.legacy_password_change_wipes and not await dom.confirm(t("ui.password.legacy_wipe")):
        return
    with dom.busy("password-form"):
        changed = await app.run("password-msg", lambda: app.account.change_password(current, new, code))
    el("password-form").reset()
    strength(app)
    # 0.16 revokes OAuth tokens on a password change: then the user signs in again.
    await app.after_change(changed, "password-msg",
                           t("ui.password.changed_wiped") if changed.wiped else t("ui.password.changed"),
                           t("ui.password.changed_wiped_signin") if changed.wiped
                           else t("ui.password.changed_signin"), "pw-current")


def toggle_show(_ev=None) -> None:
    kind = "text" if el("pw-show").checked else "password"
    for id_ in ("pw-current", "pw-new", "pw-confirm"):
        el(id_).type = kind


def wire(app) -> None:
    dom.on("pw-new", "input", lambda ev: strength(app, ev), errors_to="password-msg")
    dom.on("password-form", "submit", lambda ev: submit(app, ev), prevent=True, errors_to="password-msg")
    dom.on("pw-show", "change", toggle_show)
    app.renderers.append(render)
