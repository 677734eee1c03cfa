"""Password section: paints ``views.sections.password_form`` (what the change
will do, said before it is made), the live strength (``views.sections.strength``)
and the outcome (``views.outcomes``)."""
from __future__ import annotations

from app.stalwart.state import CHANGE, ENDED
from app.ui import dom
from app.ui.dom import el
from app.ui.sections import gate
from app.ui.views import outcomes as O
from app.ui.views import sections as V

FORM = ("password-form",)  # what one password change holds while it runs
# the errors' field names -> this form's fields, in the order shown
FIELDS = {"current_password": "pw-current", "code": "pw-code", "code-row": "pw-code-row",
          "new_password": "pw-new", "confirm_password": "pw-confirm"}


def render(app) -> None:
    st = app.state
    view = gate("password", app)
    el("password-form").hidden = not view.offered(CHANGE)
    effects = el("pw-effects")
    dom.clear(effects)
    effects.hidden = True
    if st is None or not view.offered(CHANGE):
        return
    form = V.password_form(st)
    row = el("pw-code-row")  # asked for when 2FA is on, or when the server asked for it
    row.hidden = not (form.code_field or row.hasAttribute("data-revealed"))
    el("pw-policy").hidden = not form.policy  # the length rule is the server's own only where it enforces one
    for say in form.effects:
        li = dom.make("li")
        dom.write(li, say)
        effects.appendChild(li)
    effects.hidden = not form.effects
    effects.className = "effects alert " + ("warn" if form.warn else "info")
    paint_strength(app)


def paint_strength(app) -> None:
    """The strength of what is typed, in the language of now (from the last check)."""
    view = V.strength(app.user.strength) if dom.value("pw-new") else None
    el("pw-meter").value = view.meter if view else 0
    box = el("pw-strength")
    dom.clear(box)
    if view is None:
        return
    box.appendChild(dom.make("strong", dom.tr(view.label) + ". "))
    box.appendChild(dom.make("span", dom.tr(view.verdict) + " "))
    if view.crack_time is not None:
        box.appendChild(dom.make("span", dom.tr(view.crack_time)))
    if view.advice is not None:
        box.appendChild(dom.make("p", dom.tr(view.advice)))


def strength(app, _ev=None) -> None:
    if app.account is None:
        return
    pw = dom.value("pw-new")
    app.user.strength = app.account.password_strength(pw) if pw else None
    paint_strength(app)


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
            dom.dispatch(lambda ev: strength(app), None, errors_to="password-msg")
        _timer["proxy"] = create_proxy(run)  # one proxy for the page's life, never leaked per key
    _timer["id"] = js.setTimeout(_timer["proxy"], STRENGTH_PAUSE_MS)


async def submit(app, _ev=None) -> None:
    msg = "password-msg"
    current = dom.value("pw-current")
    new = dom.value("pw-new")
    confirm = dom.value("pw-confirm")
    code = dom.value("pw-code").replace(" ", "") if not el("pw-code-row").hidden else ""
    before = app.state
    out = await app.run(msg, lambda: app.account.change_password(current, new, code or None,
                                                                 confirm=confirm),
                        FIELDS, retry=lambda: el("password-form").requestSubmit(),
                        code_given=bool(code))
    el("password-form").reset()
    app.user.strength = None
    paint_strength(app)
    ended = O.ended(out, before, login_page=app.options.login_page) if out.session == ENDED else None
    app.finish(out, before, msg, O.password_changed(out, before) if ended is None else None, ended,
               "pw-current")


def toggle_show(_ev=None) -> None:
    kind = "text" if el("pw-show").checked else "password"
    for id_ in ("pw-current", "pw-new", "pw-confirm"):
        el(id_).type = kind


def reset(app) -> None:
    el("password-form").reset()
    el("pw-code-row").hidden = True
    el("pw-code-row").removeAttribute("data-revealed")
    toggle_show()
    paint_strength(app)


def wire(app) -> None:
    dom.on("pw-new", "input", lambda ev: schedule_strength(app, ev), errors_to="password-msg")
    dom.on("password-form", "submit", lambda ev: submit(app, ev), prevent=True,
           errors_to="password-msg", busy=FORM)
    dom.on("pw-show", "change", toggle_show)
    app.renderers.append(render)
    app.resetters.append(reset)
