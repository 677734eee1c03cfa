"""Load the page's heavy libraries ahead of use, in small steps, in idle time.

The key checker (asn1crypto, ecdsa), the QR code and the password-strength
estimator are imported by their sections on first use. Imported all at once after
the page is ready they blocked input for ~300 ms; one module per idle period
(requestIdleCallback), each a few to ~60 ms, keeps the page responsive while the
user's first check still finds them loaded. Browser only.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

# Imported on first use by their sections (totp, passwords), after the key parsers;
# a package's standard-library dependencies first, in their own steps.
LATER = ("qrcode", "xml.etree.ElementTree", "qrcode.image.svg", "zxcvbn")
# Submodules run on their own before their package, whose __init__ would import
# them in the same step (zxcvbn's word lists are half of its ~100 ms import).
BEFORE_PACKAGE = {"zxcvbn": "zxcvbn.frequency_lists"}


def steps() -> list[Callable[[], object]]:
    from app.keys import warm_up_steps
    out = warm_up_steps()
    for name in LATER:
        if name in BEFORE_PACKAGE:
            out.append(lambda sub=BEFORE_PACKAGE[name]: submodule_first(sub))
        out.append(lambda m=name: importlib.import_module(m))
    return out


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
    parent = importlib.machinery.PathFinder.find_spec(package)
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
            step = todo.pop(0)
            try:
                step()
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
