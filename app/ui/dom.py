"""Small DOM helpers shared by the sections. Browser only (imports ``js``)."""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Optional

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from app import i18n
from app.errors import StalwartError

_proxies: list[Any] = []  # event-listener proxies live as long as the page
_tasks: set[asyncio.Task] = set()
doc = js.document


class Handled(Exception):
    """An error already shown to the user; it only stops the calling handler."""


def el(id_: str):
    return doc.getElementById(id_)


def make(tag: str, text: str = "", cls: str = "", **attrs: str):
    node = doc.createElement(tag)
    if text:
        node.textContent = text
    if cls:
        node.className = cls
    for k, v in attrs.items():
        node.setAttribute(k.replace("_", "-"), v)
    return node


def clear(node) -> None:
    while node.firstChild:
        node.removeChild(node.firstChild)


def t(key: str, **params: Any) -> str:
    return i18n.t(key, **params)


def spawn(coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def on(node_or_id, event: str, fn: Callable[[Any], Awaitable[None] | None],
       prevent: bool = False, errors_to: Optional[str] = None) -> None:
    """Listen to ``event``; async handlers run as tasks. Any unexpected error
    becomes a plain message in ``errors_to`` (never a traceback on screen)."""
    node = el(node_or_id) if isinstance(node_or_id, str) else node_or_id

    async def guarded(coro):
        try:
            await coro
        except Handled:
            pass
        except Exception as e:  # the last line of defence: say it plainly
            show_error(errors_to or "app-error", e)

    def cb(ev):
        if prevent:
            ev.preventDefault()
        try:  # synchronous handlers run at once, so the DOM is updated in the event
            r = fn(ev)
        except Handled:
            return
        except Exception as e:
            show_error(errors_to or "app-error", e)
            return
        if asyncio.iscoroutine(r):
            spawn(guarded(r))

    proxy = create_proxy(cb)
    _proxies.append(proxy)
    node.addEventListener(event, proxy)


def message_text(err: BaseException) -> tuple[str, Optional[str]]:
    """Our words (translated) and, separately, the server's own words."""
    if isinstance(err, StalwartError):
        return i18n.translate(err), err.server_text
    # Not one of ours: a bug. Say so without the internals; details go to the console.
    js.console.error(f"{type(err).__name__} in the page")  # no message: it might hold input
    return t("ui.err.unexpected"), None


def show(target_id: str, kind: str, text: str, server_text: Optional[str] = None,
         extra=None) -> None:
    box = el(target_id)
    if box is None:
        return
    clear(box)
    if target_id == "app-error":  # the page-level alert keeps its own look
        box.hidden = not text
    else:
        box.className = f"msg {kind}"
    box.appendChild(make("span", text))
    if server_text:
        box.appendChild(make("span", t("ui.server_said", text=server_text), "server"))
    if extra is not None:
        box.appendChild(extra)


def show_error(target_id: str, err: BaseException) -> None:
    text, server = message_text(err)
    show(target_id, "error", text, server)


def clear_msg(target_id: str) -> None:
    box = el(target_id)
    if box is not None:
        clear(box)
        box.className = "msg"


def announce(text: str) -> None:
    el("app-status").textContent = text


class busy:
    """Disable a form's controls while a request runs (and say so)."""

    def __init__(self, form_id: str):
        self.form = el(form_id)

    def __enter__(self):
        if self.form is not None:
            self.form.setAttribute("aria-busy", "true")
            for c in self.form.querySelectorAll("button, input, select, textarea"):
                c.dataset.wasDisabled = "1" if c.disabled else ""
                c.disabled = True
        return self

    def __exit__(self, *exc):
        if self.form is not None:
            self.form.removeAttribute("aria-busy")
            for c in self.form.querySelectorAll("button, input, select, textarea"):
                c.disabled = c.dataset.wasDisabled == "1"
        return False


async def confirm(text: str, yes: Optional[str] = None) -> bool:
    """A modal yes/no; focus returns to where it was."""
    dlg = el("confirm-dialog")
    back = doc.activeElement
    el("confirm-text").textContent = text
    el("confirm-yes").textContent = yes or t("ui.confirm.yes")
    fut: asyncio.Future = asyncio.get_event_loop().create_future()

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
        el("confirm-yes").removeEventListener("click", y)
        el("confirm-no").removeEventListener("click", n)
        dlg.removeEventListener("cancel", c)
        for p in (y, n, c):
            p.destroy()
        dlg.close()
        if back is not None and hasattr(back, "focus"):
            back.focus()


async def copy_text(text: str, status_to: str) -> None:
    try:
        await js.navigator.clipboard.writeText(text)
        show(status_to, "ok", t("ui.copied"))
    except Exception:
        show(status_to, "warn", t("ui.copy_failed"))


def value(id_: str) -> str:
    return str(el(id_).value)


def set_value(id_: str, v: str) -> None:
    el(id_).value = v
