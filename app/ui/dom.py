"""Small DOM helpers shared by the sections. Browser only (imports ``js``)."""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Iterable, Optional

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from app import i18n
from app.errors import StalwartError
from app.ui import text as txt

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
    scopes = tuple(busy or ())
    key = scopes[0] if scopes else ""

    async def guarded(coro, token):
        try:
            await coro
        except Handled:
            pass
        except Exception as e:  # the last line of defence: say it plainly
            show_error(errors_to or "app-error", e)
        finally:
            if token is not None:
                release(key, token)

    def cb(ev):
        if prevent:
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
            show_error(errors_to or "app-error", e)
            r = None
        if asyncio.iscoroutine(r):
            spawn(guarded(r, token))
        elif token is not None:
            release(key, token)

    proxy = create_proxy(cb)
    _proxies.append(proxy)
    node.addEventListener(event, proxy)


def listen(node, event: str, fn: Callable[[Any], None]) -> None:
    """A plain synchronous listener (drag and drop must preventDefault in the event)."""
    proxy = create_proxy(fn)
    _proxies.append(proxy)
    node.addEventListener(event, proxy)


# --- messages where the eye is -------------------------------------------------------

_HOST_PARAMS = ("origin", "server", "page_origin", "target")


class _Shown:
    """An error as the page shows it: the values inside our sentence (a name,
    an address, a property the server named) isolated and stripped of bidi
    controls, server addresses in ASCII (punycode)."""

    def __init__(self, err: StalwartError):
        self.key = err.key
        self.message = txt.strip_bidi(err.message)
        self.params = {k: (txt.ascii_origin(v) if k in _HOST_PARAMS else txt.isolate(v, 300))
                       if isinstance(v, str) else v for k, v in (err.params or {}).items()}


def message_text(err: BaseException) -> tuple[str, Optional[str]]:
    """Our words (translated) and, separately, the server's own words."""
    if isinstance(err, StalwartError):
        return i18n.translate(_Shown(err)), err.server_text
    # Not one of ours: a bug. Say so without the internals; details go to the console.
    js.console.error(f"{type(err).__name__} in the page")  # no message: it might hold input
    return t("ui.err.unexpected"), None


_invalid: dict[str, list[str]] = {}  # message box id -> the fields it describes


def show(target_id: str, kind: str, text: str, server_text: Optional[str] = None,
         extra=None, scroll: bool = True, say: bool = True) -> None:
    """Put a result in its box (right under the button that caused it), scroll
    it into view, and say it in the page's status line (the live region)."""
    box = el(target_id)
    if box is None:
        return
    _clear_invalid(target_id)
    clear(box)
    if target_id == "app-error":  # the page-level alert keeps its own look
        box.hidden = not text
    else:
        box.className = f"msg {kind}"
        box.hidden = False
    box.appendChild(make("span", text))
    if server_text:
        said = make("span", "", "server")
        said.appendChild(doc.createTextNode(t("ui.server_said", text="")))
        said.appendChild(foreign(server_text, 600))
        box.appendChild(said)
    if extra is not None:
        box.appendChild(extra)
    if say:
        announce(text)
    if scroll:
        scroll_to(box)


def show_error(target_id: str, err: BaseException, fields: Optional[dict] = None) -> None:
    text, server = message_text(err)
    show(target_id, "error", text, server)
    field = field_for(err, fields or {})
    if field:
        mark_invalid(field, target_id)


def field_for(err: BaseException, fields: dict) -> str:
    """The form field an error is about: by error type, then by the field or
    property the error names (``InvalidInput.field``, ``SetError.properties``)."""
    for cls in type(err).__mro__:
        if cls in fields:
            return fields[cls]
    names = [getattr(err, "field", "")] + list(getattr(err, "properties", None) or [])
    for n in names:
        if n and n in fields:
            return fields[n]
    return ""


def field_error(field_id: str, target_id: str, text: str) -> None:
    """A problem with one field: the message under the form's button, and the
    field marked invalid, described by that message, and focused."""
    show(target_id, "error", text)
    mark_invalid(field_id, target_id)


def mark_invalid(field_id: str, target_id: str) -> None:
    field = el(field_id)
    if field is None:
        return
    field.setAttribute("aria-invalid", "true")
    ids = str(field.getAttribute("aria-describedby") or "").split()
    if target_id not in ids:
        field.setAttribute("aria-describedby", " ".join([target_id, *ids]))
    _invalid.setdefault(target_id, []).append(field_id)
    focus(field)


def _clear_invalid(target_id: str) -> None:
    for field_id in _invalid.pop(target_id, []):
        field = el(field_id)
        if field is None:
            continue
        field.removeAttribute("aria-invalid")
        ids = [i for i in str(field.getAttribute("aria-describedby") or "").split() if i != target_id]
        if ids:
            field.setAttribute("aria-describedby", " ".join(ids))
        else:
            field.removeAttribute("aria-describedby")


def clear_msg(target_id: str) -> None:
    box = el(target_id)
    _clear_invalid(target_id)
    if box is not None:
        clear(box)
        box.className = "msg"


def scroll_to(node) -> None:
    if node is not None and node.getClientRects().length:
        node.scrollIntoView(js.Object.fromEntries([["block", "nearest"]]))


def announce(text: str) -> None:
    el("app-status").textContent = text


# --- dialogs ---------------------------------------------------------------------------

_pending: list[asyncio.Future] = []


async def confirm(text: str, yes: Optional[str] = None, title: Optional[str] = None,
                  items: Iterable[str] = (), danger: bool = True) -> bool:
    """A modal yes/no; focus returns to where it was. ``text`` must already
    have foreign values isolated (``text.isolate``)."""
    dlg = el("confirm-dialog")
    back = active()
    el("confirm-h").textContent = title or t("ui.confirm.title")
    el("confirm-text").textContent = text
    lst = el("confirm-list")
    clear(lst)
    for item in items:
        lst.appendChild(make("li", item))
    lst.hidden = not lst.firstChild
    el("confirm-yes").textContent = yes or t("ui.confirm.yes")
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
    box = el(status_id)
    try:
        await js.navigator.clipboard.writeText(text)
        box.textContent = t("ui.copied")
        box.className = "copied ok"
        return True
    except Exception:
        box.textContent = t("ui.copy_failed")
        box.className = "copied warn"
        return False


def value(id_: str) -> str:
    return str(el(id_).value)


def set_value(id_: str, v: str) -> None:
    el(id_).value = v
