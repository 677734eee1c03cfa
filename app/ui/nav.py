"""Which part of the page is on screen: the sign-in card, or (signed in) the
overview and one section at a time, each with its own address fragment
(``#password``), so back/forward, reload and links work as on any account page."""
from __future__ import annotations

import js  # type: ignore[import-not-found]

from app.ui import dom
from app.ui import text as txt
from app.ui.dom import el

# fragment (= the section's id) -> the heading that takes focus
VIEWS = {"overview": "overview-h", "password": "password-h", "two-factor": "totp-h",
         "app-passwords": "app-h", "api-keys": "api-h", "encryption": "enc-h"}
DEFAULT = "overview"


def current() -> str:
    """The view the address names; anything else (``#main``, empty) is the overview."""
    name = str(js.location.hash or "").lstrip("#")
    return name if name in VIEWS else DEFAULT


def show(name: str, focus: bool = True) -> None:
    for view in VIEWS:
        el(view).hidden = view != name
    for link in dom.doc.querySelectorAll("#nav a"):
        if str(link.getAttribute("href")) == "#" + name:
            link.setAttribute("aria-current", "page")
        else:
            link.removeAttribute("aria-current")
    root = dom.doc.documentElement
    root.dataset.view = name
    if focus:
        js.window.scrollTo(0, 0)
        heading = el(VIEWS[name])
        heading.focus(js.Object.fromEntries([["preventScroll", True]]))


def enter(app) -> None:
    """Signed in: the account view at the section the address names."""
    dom.doc.documentElement.dataset.session = "in"
    el("signin").hidden = True
    el("who").hidden = False
    el("side").hidden = False
    show(current())


def leave(app) -> None:
    """Signed out: only the sign-in card and the offline key check."""
    dom.doc.documentElement.dataset.session = "out"
    el("signin").hidden = False
    el("who").hidden = True
    el("side").hidden = True
    for view in VIEWS:
        el(view).hidden = view != "encryption"  # checking a key needs no sign-in
    dom.doc.documentElement.dataset.view = ""


def wire(app) -> None:
    def on_hash(_ev):
        # Back/forward and the menu: only a known section changes the view
        # (the skip link's #main must not).
        name = str(js.location.hash or "").lstrip("#")
        if app.account is None or (name and name not in VIEWS):
            return
        show(name or DEFAULT)
        # The status line says who is signed in, not what happened on another section.
        dom.announce(dom.t("ui.signin.done", user=txt.isolate(app.username)))

    dom.listen(js.window, "hashchange", on_hash)
