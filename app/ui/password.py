"""Password section: live strength feedback (server policy) and the change."""
from __future__ import annotations

from app import passwords
from app.errors import CodeRequired
from app.stalwart.state import ENDED
from app.ui import actions, dom
from app.ui.dom import el, t
from app.ui.sections import explain, gate

FORM = ("password-form",)  # what one password change holds while it runs
# InvalidInput.field / the errors' ``field`` -> the form field
FIELDS = {"current_password": "pw-current", "new_password": "pw-new",
          "confirm_password": "pw-confirm", "code": "pw-code"}


def render(app) -> None:
    st = app.state
    gate("password", app, "password")
    pw = st.password if st else None
    el("pw-wipe").hidden = not (pw and pw.wipes)
    el("pw-code-row").hidden = not (pw and pw.code_required)
    # the length rule is the server's own only where it enforces one
    el("pw-policy").hidden = bool(pw and not pw.enforces_strength)
    # not permitted: no fields to fill in for nothing; the section says why
    el("password-form").hidden = explain("password", app, "password", pw, "change")


def strength(app, _ev=None) -> None:
    pw = dom.value("pw-new")
    if app.account is None:
        return
    s = app.account.password_strength(pw)
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


# One strength check runs zxcvbn: 10-50 ms for an ordinary password under
# CPython, several times that in the page, over a second for a 100-character
# passphrase (bench/passwords.py). Scored on every keystroke, typing would lag;
# scored once typing pauses, the text follows the password a moment later.
STRENGTH_PAUSE_MS = 200
_timer = {"id": None, "proxy": None}


def schedule_strength(app, _ev=None) -> None:
    import js
    from pyodide.ffi import create_proxy

    if _timer["id"] is not None:
        js.clearTimeout(_timer["id"])
    if _timer["proxy"] is None:
        def run(*_):
            _timer["id"] = None
            try:
                strength(app)
            except Exception as e:  # never a traceback; the form keeps what was typed
                dom.show_error("password-msg", e)
        _timer["proxy"] = create_proxy(run)  # one proxy for the page's life, never leaked per key
    _timer["id"] = js.setTimeout(_timer["proxy"], STRENGTH_PAUSE_MS)


def _warning(pw) -> list[str]:
    """What the change will do besides, said before it is made."""
    items = []
    if pw.wipes:
        items.append(t("ui.password.legacy_wipe"))
        items.append(t("ui.password.warn_wipe_signin"))
    elif pw.session_after_change == ENDED:
        items.append(t("ui.password.warn_ended"))
    return items


async def submit(app, _ev=None) -> None:
    msg = "password-msg"
    current = dom.value("pw-current")
    new = dom.value("pw-new")
    confirm = dom.value("pw-confirm")
    code = dom.value("pw-code").replace(" ", "") or None
    dom.clear_msg(msg)
    pw = app.state.password
    warn = _warning(pw)
    if warn:
        # the action's own input checks first: no question about a typo
        app.check(msg, lambda: app.account.check_password_change(current, new, code, confirm=confirm),
                  FIELDS)
    if warn and not await dom.confirm(warn[0], t("ui.password.submit"),
                                      t("ui.password.confirm_title"), warn[1:], danger=False):
        return
    try:
        out = await actions.change_password(app, msg, current, new, confirm, code, FIELDS,
                                            retry=lambda: el("password-form").requestSubmit())
    except dom.Handled:
        if isinstance(app.last_error, CodeRequired):  # by type: the same in every language
            el("pw-code-row").hidden = False
            dom.focus("pw-code")
        raise
    el("password-form").reset()
    strength(app)
    done = t("ui.password.changed_wiped") if out.wiped else t("ui.password.changed")
    signin = t("ui.password.changed_wiped_signin") if out.wiped else t("ui.password.changed_signin")
    app.finish(out, msg, t("ui.password.changed") if out.notice == "outcome.wiped" else done,
               (t("ui.password.changed"), signin), "pw-current")


def toggle_show(_ev=None) -> None:
    kind = "text" if el("pw-show").checked else "password"
    for id_ in ("pw-current", "pw-new", "pw-confirm"):
        el(id_).type = kind


def reset(app) -> None:
    el("password-form").reset()
    toggle_show()
    strength(app)


def wire(app) -> None:
    dom.on("pw-new", "input", lambda ev: schedule_strength(app, ev), errors_to="password-msg")
    dom.on("password-form", "submit", lambda ev: submit(app, ev), prevent=True,
           errors_to="password-msg", busy=FORM)
    dom.on("pw-show", "change", toggle_show)
    app.renderers.append(render)
    app.resetters.append(reset)
