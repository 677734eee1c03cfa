"""Small DOM helpers shared by the sections. Browser only (imports ``js``)."""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Iterable, Optional

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from app import i18n
from app.ui import text as txt
from app.ui.views import say as views_say
from app.ui.views import errors as views_errors
from app.ui.views import messages as views_messages
from app.ui.views.say import Say

_proxies: list[Any] = []  # event-listener proxies live as long as the page
_tasks: set[asyncio.Task] = set()
doc = js.document


class Handled(Exception):
    """An error already shown to the user; it only stops the calling handler."""


try:
    from pyodide.ffi import jsnull  # type: ignore[import-not-found]
except ImportError:  # older runtimes give None for null
    jsnull = None


def nullable(value):
    """JavaScript null as None (this runtime gives ``jsnull``, which is not None)."""
    return None if value is None or value is jsnull else value


def el(id_: str):
    return nullable(doc.getElementById(id_))


def active():
    return nullable(doc.activeElement)


def make(tag: str, text: str = "", cls: str = "", **attrs: str):
    node = doc.createElement(tag)
    if text:
        node.textContent = text
    if cls:
        node.className = cls
    for k, v in attrs.items():
        node.setAttribute(k.replace("_", "-"), v)
    return node


def foreign(value: str, limit: int = 0, cls: str = ""):
    """A ``<bdi>`` holding a server- or user-supplied string: its direction
    cannot leak into the page, bidi controls are dropped, and when it is cut
    (``limit``) or clamped by CSS the full text stays available as ``title``."""
    full = txt.strip_bidi(value)
    node = make("bdi", txt.short(full, limit) if limit else full, cls)
    if (limit and len(full) > limit) or "clip" in cls:
        node.title = full
    return node


def key_id(prefix: str, key: str) -> str:
    """A stable element id for a row's button (focus can come back to it after
    the list is drawn again), whatever characters the server's id has."""
    import hashlib
    return f"{prefix}-{hashlib.sha256(str(key).encode()).hexdigest()[:12]}"


def clear(node) -> None:
    while node.firstChild:
        node.removeChild(node.firstChild)


def t(key: str, **params: Any) -> str:
    return i18n.t(key, **params)


def tr(say) -> str:
    """A view-model's ``Say`` (or any value of ``views.say``, or a bare message
    key) in the language of now, its commands isolated left to right (plain
    text: a title, a button, a list item)."""
    return views_say.plain(i18n.t(say) if isinstance(say, str) else views_say.text(say))


def write(node, say) -> None:
    """Paint a ``Say`` into ``node``: the sentence, each command in it as
    left-to-right code (a right-to-left page cannot reorder it)."""
    clear(node)
    sentence = i18n.t(say) if isinstance(say, str) else views_say.text(say)
    for kind, part in views_say.segments(sentence):
        if kind == "code":
            node.appendChild(make("code", part, "", dir="ltr"))
        else:
            node.appendChild(doc.createTextNode(part))


def spawn(coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


# --- one action in flight per form ---------------------------------------------------
# A form's action holds its scopes (the form, its list, its buttons) from the
# click to the end of the request: every button inside is disabled, a repeat
# click is ignored, and the release always runs (try/finally), so nothing stays
# disabled. Renders in between (a re-read list) are held again by ``reapply``.

_running: dict[str, tuple[object, tuple[str, ...], Any]] = {}
_on_release: list[Callable[[], None]] = []


def _controls(scope_id: str):
    """The buttons an action holds. Fields stay editable (and focusable, so an
    error can point at one); with its submit button disabled a form cannot be
    sent again by Enter either."""
    node = el(scope_id)
    if node is None:
        return []
    found = list(node.querySelectorAll("button"))
    if str(node.tagName).lower() == "button":
        found.append(node)
    return found


def _hold_scope(scope_id: str) -> None:
    node = el(scope_id)
    if node is None:
        return
    node.setAttribute("aria-busy", "true")
    for c in _controls(scope_id):
        if not c.disabled:
            c.disabled = True
            c.setAttribute("data-held", "1")


def hold(key: str, scopes: Iterable[str]) -> Optional[object]:
    """Start ``key``'s action; None if it is already running (ignore the click)."""
    if key in _running:
        return None
    token = object()
    scopes = tuple(scopes)
    # Disabling the focused button or field drops focus to <body>; remember it
    # so the release can give it back (unless the action moved focus itself).
    focused = active()
    inside = focused is not None and any(el(s) is not None and el(s).contains(focused) for s in scopes)
    # by id where it has one: a re-drawn list replaces the very element
    back = (str(focused.id) or focused) if inside else None
    _running[key] = (token, scopes, back)
    for s in scopes:
        _hold_scope(s)
    return token


def release(key: str, token: object) -> None:
    entry = _running.get(key)
    if entry is None or entry[0] is not token:
        return  # already released (sign-out), or a newer action owns the key
    del _running[key]
    held_elsewhere = {s for _, scopes, _ in _running.values() for s in scopes}
    for s in entry[1]:
        if s in held_elsewhere:
            continue
        node = el(s)
        if node is not None:
            node.removeAttribute("aria-busy")
        for c in _controls(s):
            if c.getAttribute("data-held") == "1":
                c.disabled = False
                c.removeAttribute("data-held")
    for fn in _on_release:
        fn()  # recompute controls that are disabled for a reason of their own
    wanted = _deferred_focus.pop() if _deferred_focus else None
    _deferred_focus.clear()
    if wanted is not None and _focusable(wanted):
        wanted.focus()  # asked for while the action held it (an invalid field)
        return
    back = el(entry[2]) if isinstance(entry[2], str) else entry[2]
    now = active()
    # (a button of a dialog that just closed still counts as focused for a moment)
    lost = now is None or str(now.tagName) == "BODY" or not now.getClientRects().length
    if lost and back is not None and _focusable(back):
        back.focus()


_deferred_focus: list[Any] = []


def _focusable(node) -> bool:
    return bool(node.isConnected and not node.disabled and node.getClientRects().length)


def focus(node_or_id) -> None:
    """Move focus there now, or, if a running action holds it disabled, as
    soon as the action ends."""
    node = el(node_or_id) if isinstance(node_or_id, str) else node_or_id
    if node is None:
        return
    if node.getAttribute("data-held") == "1":
        _deferred_focus.append(node)
    else:
        node.focus()


def reapply() -> None:
    """Hold again whatever a render re-created inside a running action's scopes."""
    for _, scopes, _ in _running.values():
        for s in scopes:
            _hold_scope(s)


def release_all() -> None:
    for key, (token, _, _) in list(_running.items()):
        release(key, token)


def on_release(fn: Callable[[], None]) -> None:
    _on_release.append(fn)


def on(node_or_id, event: str, fn: Callable[[Any], Awaitable[None] | None],
       prevent: bool = False, errors_to: Optional[str] = None,
       busy: Optional[Iterable[str]] = None) -> None:
    """Listen to ``event``; async handlers run as tasks. Any unexpected error
    becomes a plain message in ``errors_to`` (never a traceback on screen).

    ``busy``: the scopes (element ids) this action holds while it runs; the
    first one names the action. Holding happens in the event itself, so a
    double click never starts a second request."""
    node = el(node_or_id) if isinstance(node_or_id, str) else node_or_id
    proxy = create_proxy(lambda ev: dispatch(fn, ev, prevent, errors_to, busy))
    _proxies.append(proxy)
    node.addEventListener(event, proxy)


def dispatch(fn: Callable[[Any], Awaitable[None] | None], ev: Any, prevent: bool = False,
             errors_to: Optional[str] = None, busy: Optional[Iterable[str]] = None) -> None:
    """Run one handler as ``on`` does: hold its scopes, run it (as a task when
    it is a coroutine), release them whatever happens, say an error plainly."""
    scopes = tuple(busy or ())
    key = scopes[0] if scopes else ""

    async def guarded(coro, token):
        try:
            await coro
        except Handled:
            pass
        except Exception as e:  # the last line of defence: say it plainly
            show_error(errors_to or "app-error", views_errors.present(e, signed_in=False))
        finally:
            if token is not None:
                release(key, token)

    if prevent and ev is not None:
        ev.preventDefault()
    token = None
    if key:
        token = hold(key, scopes)
        if token is None:
            return  # this form's action is already running
    try:  # synchronous handlers run at once, so the DOM is updated in the event
        r = fn(ev)
    except Handled:
        r = None
    except Exception as e:
        show_error(errors_to or "app-error", views_errors.present(e, signed_in=False))
        r = None
    if asyncio.iscoroutine(r):
        spawn(guarded(r, token))
    elif token is not None:
        release(key, token)


def listen(node, event: str, fn: Callable[[Any], None]) -> None:
    """A plain synchronous listener (drag and drop must preventDefault in the event)."""
    proxy = create_proxy(fn)
    _proxies.append(proxy)
    node.addEventListener(event, proxy)


# --- messages where the eye is -------------------------------------------------------
# Every message box shows a ``views.messages.Message``, kept per box in the
# current user's ``slots`` (``UserUi.slots``, which the App points this at), so
# a language switch paints each again in the new language, and a newer state
# takes down a message it contradicts. Its buttons (the message's ``offers``)
# call the handlers given with it, through one listener for the whole page.

slots: dict = {}
_status: list = [None]  # the status line's last sentence
_invalid: dict[str, list[str]] = {}  # message box id -> the fields it describes


class Offer:
    """What one of a message's buttons does: ``fn`` run as ``on`` would, holding ``busy``."""

    def __init__(self, fn: Callable[[Any], Awaitable[None] | None], busy: Iterable[str] = ()):
        self.fn = fn
        self.busy = tuple(busy)


def use_slots(new: dict) -> None:
    """The App's current user object holds the message boxes' contents."""
    global slots
    slots = new


def show(box_id: str, message: views_messages.Message, offers: Optional[dict] = None, *,
         scroll: bool = True, say: bool = True) -> None:
    """Put a message in its box (right under the button that caused it),
    scroll it into view, and say its headline in the page's status line."""
    box = el(box_id)
    if box is None:
        return
    _clear_invalid(box_id)
    slots[box_id] = (message, dict(offers or {}))
    _paint(box_id)
    if say and message.headline is not None:
        announce(message.headline)
    if scroll:
        scroll_to(box)


def _paint(box_id: str) -> None:
    box = el(box_id)
    message, _ = slots[box_id]
    clear(box)
    if box_id == "app-error":  # the page-level alert keeps its own look
        box.hidden = False
    elif box_id == "signin-note":
        box.className = f"panel {message.tone}"
        box.hidden = False
    else:
        box.className = f"{box.getAttribute('data-base') or 'msg'} {message.tone}"
        box.hidden = False
    # which decision is painted here, for tests of the wiring (the words are the catalogue's)
    box.setAttribute("data-say", " ".join(say.key for say in message.lines))
    for i, line in enumerate(message.lines):
        tag = "h2" if box_id == "signin-note" and i == 0 else ("span" if len(message.lines) == 1 else "p")
        node = make(tag, "", "panel-title" if tag == "h2" else "")
        write(node, line)
        box.appendChild(node)
    for head, items in message.lists:
        p = make("p", "", "list-head")
        write(p, head)
        box.appendChild(p)
        ul = make("ul")
        for item in items:
            li = make("li")
            write(li, item)
            ul.appendChild(li)
        box.appendChild(ul)
    if message.server_text:
        said = make("p" if len(message.lines) > 1 else "span", "", "server")
        said.appendChild(doc.createTextNode(t("ui.server_said", text="")))
        said.appendChild(foreign(message.server_text, 600))
        box.appendChild(said)
    if message.offers:
        row = make("span", "", "offers")
        for offer in message.offers:
            row.appendChild(_offer_control(box_id, offer))
        box.appendChild(row)


_OFFER_TEXT = {views_messages.RETRY: "ui.retry", views_messages.CHECK: "ui.check_now",
               views_messages.FINISH_UPLOAD: "ui.enc.finish",
               views_messages.REMOVE_UPLOAD: "ui.enc.remove_uploaded"}
_OFFER_IDS = {views_messages.FINISH_UPLOAD: "enc-finish",
              views_messages.REMOVE_UPLOAD: "enc-remove-uploaded"}


def _offer_control(box_id: str, offer: str):
    review = views_messages.REVIEWS.get(offer)
    if review is not None:  # a link to the section where it can be looked at
        return make("a", t(review), "button-like small", href="#" + offer.split(":", 1)[1])
    cls = "small primary" if offer == views_messages.FINISH_UPLOAD else (
        "small danger" if offer == views_messages.REMOVE_UPLOAD else "small")
    btn = make("button", t(_OFFER_TEXT[offer]), cls, type="button", data_offer=offer,
               data_box=box_id)
    if offer in _OFFER_IDS:
        btn.id = _OFFER_IDS[offer]
    return btn


def _on_offer(ev) -> None:
    target = ev.target.closest("button[data-offer]") if ev.target else None
    if target is None:
        return
    box_id, offer = str(target.dataset.box), str(target.dataset.offer)
    entry = slots.get(box_id)
    handler = entry[1].get(offer) if entry else None
    if handler is not None:
        dispatch(handler.fn, ev, errors_to=box_id, busy=handler.busy)


def repaint() -> None:
    """Paint every message and the status line again (a language switch)."""
    for box_id in list(slots):
        if el(box_id) is not None:
            _paint(box_id)
    if _status[0] is not None:
        el("app-status").textContent = tr(_status[0])


def drop_contradicted(state) -> None:
    """Take down every message that ``state`` shows is no longer true."""
    for box_id, (message, _) in list(slots.items()):
        if message.claims and views_messages.contradicts(message.claims, state):
            clear_msg(box_id)


def show_error(box_id: str, view: "views_errors.ErrorView", fields: Optional[dict] = None,
               offers: Optional[dict] = None) -> None:
    """An error in its box; the fields it is about marked invalid, described by
    the message, and the first one focused (``fields``: the error's field names
    -> this form's element ids)."""
    show(box_id, view.message, offers)
    fields = fields or {}
    for name in view.reveal:
        row = el(fields.get(name + "-row", ""))
        if row is not None:
            row.hidden = False
            row.setAttribute("data-revealed", "1")  # stays shown when the section is drawn again
    ids = [fields[f] for f in view.fields if f in fields]
    for field_id in ids:
        mark_invalid(field_id, box_id, focus_it=False)
    want = fields.get(view.focus) if view.focus else None
    if want and el(want) is not None:
        focus(want)


def field_error(field_id: str, box_id: str, say) -> None:
    """A problem with one field found in the page: the message under the form's
    button, and the field marked invalid, described by that message, and focused."""
    show(box_id, views_messages.Message(views_messages.ERROR, (say,)))
    mark_invalid(field_id, box_id)


def mark_invalid(field_id: str, box_id: str, focus_it: bool = True) -> None:
    field = el(field_id)
    if field is None:
        return
    field.setAttribute("aria-invalid", "true")
    ids = str(field.getAttribute("aria-describedby") or "").split()
    if box_id not in ids:
        field.setAttribute("aria-describedby", " ".join([box_id, *ids]))
    _invalid.setdefault(box_id, []).append(field_id)
    if focus_it:
        focus(field)


def _clear_invalid(box_id: str) -> None:
    for field_id in _invalid.pop(box_id, []):
        field = el(field_id)
        if field is None:
            continue
        field.removeAttribute("aria-invalid")
        ids = [i for i in str(field.getAttribute("aria-describedby") or "").split() if i != box_id]
        if ids:
            field.setAttribute("aria-describedby", " ".join(ids))
        else:
            field.removeAttribute("aria-describedby")


def clear_msg(box_id: str) -> None:
    box = el(box_id)
    _clear_invalid(box_id)
    slots.pop(box_id, None)
    if box is not None:
        clear(box)
        box.removeAttribute("data-say")
        if box_id == "signin-note":
            box.hidden = True
        else:
            box.className = box.getAttribute("data-base") or "msg"


def scroll_to(node) -> None:
    if node is not None and node.getClientRects().length:
        node.scrollIntoView(js.Object.fromEntries([["block", "nearest"]]))


def announce(say) -> None:
    """The page's status line (a live region): one short sentence, in the
    language of the moment (painted again on a switch), never a repeat of a
    whole message."""
    _status[0] = say
    node = el("app-status")
    node.removeAttribute("data-i18n")  # no longer the static "Loading…"
    node.textContent = tr(say)


def wire_offers() -> None:
    listen(doc, "click", _on_offer)


# --- dialogs ---------------------------------------------------------------------------

_pending: list[asyncio.Future] = []


async def confirm(text, yes=None, title=None, items: Iterable = (), danger: bool = True) -> bool:
    """A modal yes/no (each text a ``Say`` or a key); focus returns to where it was."""
    dlg = el("confirm-dialog")
    back = active()
    el("confirm-h").textContent = tr(title or "ui.confirm.title")
    write(el("confirm-text"), text)
    lst = el("confirm-list")
    clear(lst)
    for item in items:
        li = make("li")
        write(li, item)
        lst.appendChild(li)
    lst.hidden = not lst.firstChild
    el("confirm-yes").textContent = tr(yes or "ui.confirm.yes")
    el("confirm-yes").className = "danger" if danger else "primary"
    fut: asyncio.Future = asyncio.get_event_loop().create_future()
    _pending.append(fut)

    def done(answer):
        def cb(_ev):
            if not fut.done():
                fut.set_result(answer)
        return create_proxy(cb)

    y, n, c = done(True), done(False), done(False)
    el("confirm-yes").addEventListener("click", y)
    el("confirm-no").addEventListener("click", n)
    dlg.addEventListener("cancel", c)
    dlg.showModal()
    el("confirm-no").focus()
    try:
        return await fut
    finally:
        _pending.remove(fut)
        el("confirm-yes").removeEventListener("click", y)
        el("confirm-no").removeEventListener("click", n)
        dlg.removeEventListener("cancel", c)
        for p in (y, n, c):
            p.destroy()
        if dlg.open:
            dlg.close()
        if back is not None and back.isConnected:
            back.focus()


def close_dialogs() -> None:
    """Sign-out: every open question is answered "no" and every dialog closes."""
    for fut in list(_pending):
        if not fut.done():
            fut.set_result(False)
    for dlg in doc.querySelectorAll("dialog[open]"):
        dlg.close()


async def copy_text(text: str, status_id: str) -> bool:
    """Copy, and say so right next to the Copy button (inside its dialog)."""
    try:
        await js.navigator.clipboard.writeText(text)
        show(status_id, views_messages.Message(views_messages.OK, (Say("ui.copied"),)), scroll=False)
        return True
    except Exception:
        show(status_id, views_messages.Message(views_messages.WARN, (Say("ui.copy_failed"),)), scroll=False)
        return False


def value(id_: str) -> str:
    return str(el(id_).value)


def set_value(id_: str, v: str) -> None:
    el(id_).value = v
