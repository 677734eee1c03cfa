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


def steps() -> list[Callable[[], object]]:
    from app.keys import warm_up_steps
    return [*warm_up_steps(), *(lambda m=m: importlib.import_module(m) for m in LATER)]


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
