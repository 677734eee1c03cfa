"""The sign-in the user started before Python was ready: ``assets/boot.js``
keeps the first press queued (and the button saying "Starting…"); ``adopt``
takes the queue over once the page is ready and runs the action once, through
the same handler as a press made now, or says why not (``app.ui.views.early.decide``).
Browser only."""
from __future__ import annotations

import js  # type: ignore[import-not-found]

from app.ui import dom
from app.ui.dom import el, t
from app.ui.views.messages import WARN, Message
from app.ui.views.say import Say
from app.ui.views.early import Verdict, decide

_taken = False


def _boot():
    return dom.nullable(getattr(js.window, "earlySignIn", None))


def _text(value):
    value = dom.nullable(value)
    return None if value is None else str(value)


def follow_language() -> None:
    """A queued press's "Starting…" and the status line, in the page's language."""
    boot = _boot()
    if boot is not None and not _taken:
        boot.say(t("ui.early.starting"), t("ui.early.status"))


def keeps_focus() -> bool:
    """While the page starts, a message must not take the focus (nor scroll the
    page) away from a user typing in the sign-in form: it is announced instead."""
    if _taken:
        return False
    node = dom.active()
    return (node is not None and bool(el("signin").contains(node))
            and str(node.tagName) in ("INPUT", "SELECT", "TEXTAREA", "BUTTON"))


def _refocus(app, last: str | None) -> None:
    """Python hid or closed the control the user was in (a list of servers
    replaces the address field; a broken config.json closes the form): focus
    goes to what took its place, never to the top of the page."""
    now = dom.active()
    if now is not None and str(now.tagName) != "BODY":
        return
    if not app.config.usable:
        el("signin-note").focus()
        return
    node = el(last) if last else None
    if node is not None and last == "server-url" and node.hidden:
        node = el("server-pick")
    if node is not None and not node.disabled and node.getClientRects().length:
        node.focus()


def adopt(app, choice, resumed: bool) -> None:
    """Take over from boot.js (once): keep what the user typed, then run, drop
    or question the queued press."""
    global _taken
    boot = _boot()
    if boot is None or _taken:
        return
    _taken = True
    got = dom.nullable(boot.handOver())
    if got is None:
        return
    action, typed, last = _text(got.action), _text(got.typedServer), _text(got.focus)
    button = dom.nullable(got.submitter)
    if button is not None and button.dataset.i18n:
        button.textContent = t(str(button.dataset.i18n))
    cfg = app.config
    if cfg.usable and not cfg.bound and typed is not None:
        dom.set_value("server-url", typed)  # the user's own typing wins over a link or memory
        app.show_destination()
    _refocus(app, last)
    plan = decide(action, usable=cfg.usable, bound=cfg.bound, resumed=resumed, typed=typed,
                  server=app.current_server(), remembered=choice.remembered)
    if plan.verdict == Verdict.RUN:
        node = el(action)
        node.click() if str(node.tagName) == "BUTTON" else node.requestSubmit()
    elif plan.verdict == Verdict.ASK:
        from app.ui import _under_button
        _under_button("device-box" if action == "device-btn" else action,
                      lambda _ev: dom.show("signin-msg", Message(WARN, (Say(plan.key),))))(None)
    elif typed and cfg.usable and not cfg.bound and (dom.active() is None or str(dom.active().id) != "server-url"):
        # Typed and left before Python listened: what the change would have
        # done now (the server's sign-in options).
        dom.spawn(app.on_server_change())
