"""Which part of the page is on screen: the sign-in card, or (signed in) the
overview and one section at a time, each with its own address fragment
(``#password``), so back/forward, reload and links work as on any account page."""
from __future__ import annotations

import importlib

import js  # type: ignore[import-not-found]

from app.ui import dom
from app.ui.views.say import Foreign, Say
from app.ui.dom import el

# fragment (= the section's id) -> the heading that takes focus
VIEWS = {"overview": "overview-h", "password": "password-h", "two-factor": "totp-h",
         "app-passwords": "app-h", "api-keys": "api-h", "encryption": "enc-h"}
DEFAULT = "overview"
# The sections drawn by a module of their own that the signed-out page and the
# overview do not need: imported and wired when first shown (app.warm imports
# them in idle time after ready, so that is usually instant), not at start.
LAZY = {"password": "app.ui.password", "two-factor": "app.ui.twofactor",
        "app-passwords": "app.ui.credentials", "api-keys": "app.ui.credentials"}


def current() -> str:
    """The view the address names; anything else (``#main``, empty) is the overview."""
    name = str(js.location.hash or "").lstrip("#")
    return name if name in VIEWS else DEFAULT


def load(app, name: str) -> None:
    """Wire the module that draws view ``name`` the first time it is needed, and
    let it draw the current state (afterwards it redraws with every render)."""
    module_name = LAZY.get(name)
    if module_name is None or module_name in app.wired:
        return
    module = importlib.import_module(module_name)
    app.wired.add(module_name)
    module.wire(app)
    module.render(app)


def show(app, name: str, focus: bool = True) -> None:
    load(app, name)
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
    show(app, current())


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
        if (app.account is None and not app.offline_user) or (name and name not in VIEWS):
            return
        show(app, name or DEFAULT)
        # The status line says who is signed in, not what happened on another section.
        dom.announce(Say("ui.signin.done", {"user": Foreign(app.username or app.offline_user)}))

    dom.listen(js.window, "hashchange", on_hash)
