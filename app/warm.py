"""Load the page's heavy libraries ahead of use, in small steps, in idle time.

The account layer (app.stalwart's), the key checker (app.keys, asn1crypto,
ecdsa), the QR code, the password-strength estimator and the sections' own
modules (app.ui.nav.LAZY) are imported on first use, not at start. Imported all at once after
the page is ready they blocked input for ~300 ms; one module per idle period
(requestIdleCallback), each a few to ~60 ms, keeps the page responsive while the
user's first check still finds them loaded. Browser only.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

# Imported on first use by their sections (totp, passwords), after the key parsers;
# a package's standard-library dependencies first, in their own steps.
LATER = ("qrcode", "xml.etree.ElementTree", "qrcode.image.svg", "gettext", "zxcvbn")
# Submodules run on their own before their package, whose __init__ would import
# them in the same step (zxcvbn's word lists are half of its ~100 ms import).
BEFORE_PACKAGE = {"zxcvbn": ("zxcvbn.frequency_lists", "zxcvbn.adjacency_graphs")}


# The account layer (app.stalwart, lazy in its package), first: signing in is the
# first thing most visitors do. Each module after those it imports.
ACCOUNT = ("app.issues", "html", "pyotp", "app.totp", "app.stalwart.validate", "app.stalwart.connection",
           "app.stalwart.driver",
           "app.stalwart.v016", "app.stalwart.drive016", "app.stalwart.legacy", "app.stalwart.sha512crypt",
           "app.stalwart.drivelegacy", "app.stalwart.outcomes", "app.stalwart.twofactor",
           "app.stalwart.account")
# The key checker's own modules, each in its own step before the package's
# __init__ (which would run them all in one); only stdlib and app.issues below them.
KEYS_FIRST = ("app.keys.armor", "app.keys.report", "app.keys.private", "app.keys.pgpcrypto",
              "app.keys.openpgp")
# The sections' modules (app.ui.nav.LAZY), after what they import that is heavy.
SECTIONS = ("app.passwords", "app.ui.password", "app.ui.twofactor", "app.ui.credentials")


def steps() -> list[Callable[[], object]]:
    """The steps, none run yet (building the list imports nothing). A step may
    return a list of further steps, to run next (see ``run_all``)."""
    out: list[Callable[[], object]] = [lambda m=m: importlib.import_module(m) for m in ACCOUNT]
    out += [lambda m=m: submodule_first(m) for m in KEYS_FIRST]
    out.append(_keys)
    out += [lambda m=m: importlib.import_module(m) for m in SECTIONS]
    for name in LATER:
        out += [lambda sub=sub: submodule_first(sub) for sub in BEFORE_PACKAGE.get(name, ())]
        out.append(lambda m=name: importlib.import_module(m))
    return out


def _keys() -> list[Callable[[], object]]:
    """Import app.keys (its submodules are loaded by now) and name its parsers' steps."""
    import sys

    import app.keys as keys
    for name in KEYS_FIRST:  # as an ordinary import would have: keys.report is the module
        setattr(keys, name.rpartition(".")[2], sys.modules[name])
    return keys.warm_up_steps()


def run_step(todo: list[Callable[[], object]]) -> None:
    """Run the first of ``todo``; the steps it returns (if any) come next."""
    more = todo.pop(0)()
    if isinstance(more, list):
        todo[:0] = more


def run_all(todo: list[Callable[[], object]]) -> int:
    """All steps at once (tests, the CLI); returns how many ran."""
    count = 0
    while todo:
        run_step(todo)
        count += 1
    return count


def submodule_first(name: str) -> None:
    """Run ``pkg.sub`` without ``pkg``'s __init__, as the import system would
    (same finder, spec and sys.modules entry), so ``import pkg`` later finds it
    loaded. A no-op once either is imported."""
    import importlib.machinery
    import importlib.util
    import sys

    package = name.rpartition(".")[0]
    if name in sys.modules or package in sys.modules:
        return
    # find_spec of the package imports only ITS parent (app, for app.keys); a
    # PathFinder lookup by full name would look for a top-level package only.
    parent = importlib.util.find_spec(package)
    spec = parent and importlib.machinery.PathFinder.find_spec(name, parent.submodule_search_locations)
    if spec is None:
        return  # let the package's own import report it
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise


def when_ready(todo: list[Callable[[], object]] | None = None) -> None:
    """Run ``steps()`` one per idle period, starting once the page is marked ready;
    sets the performance mark "warm-done" after the last (bench/run.py reads it)."""
    import js
    from pyodide.ffi import create_once_callable, to_js

    todo = steps() if todo is None else todo
    root = js.document.documentElement

    def run(*_):
        if root.dataset.appState == "error":
            return  # nothing will use them
        if root.dataset.appState == "ready" and todo:
            try:
                run_step(todo)
            except Exception as e:  # only an optimisation: the section imports it again when used
                js.console.warn(f"warm-up step failed: {e!r}")
        if todo:
            schedule()
        else:
            js.performance.mark("warm-done")

    def schedule():
        if hasattr(js, "requestIdleCallback"):
            js.requestIdleCallback(create_once_callable(run),
                                   to_js({"timeout": 2000}, dict_converter=js.Object.fromEntries))
        else:
            js.setTimeout(create_once_callable(run), 50)

    schedule()
