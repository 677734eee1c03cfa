"""Libraries the page loads only when a feature first needs them.

``await ensure("sieve")`` makes the Sieve parser (sievelib) importable: in the
page it fetches that group's archive (tools/bundle.py ``LAZY``; its path is in
the generated ``app._archives``), writes it next to the others and puts it on
``sys.path``; under CPython the packages are installed and nothing happens.
Returns False when the archive could not be had (offline before it was ever
cached, a server error): the caller then reports "cannot read", never "clean".
"""
from __future__ import annotations

import importlib
import sys

# group -> a module that is importable once the group's archive is there
PROBE = {"sieve": "sievelib.parser"}
_loaded: set[str] = set()


def available(group: str) -> bool:
    if group in _loaded:
        return True
    try:
        importlib.import_module(PROBE[group])
    except ImportError:
        return False
    _loaded.add(group)
    return True


async def ensure(group: str) -> bool:
    """Fetch and mount ``group``'s archive if its modules are not importable yet."""
    if available(group):
        return True
    try:
        from app import _archives  # generated into the page's bundle only
        path = _archives.ARCHIVES[group]
    except (ImportError, AttributeError, KeyError):
        return False
    data = await _fetch(path)
    if data is None:
        return False
    target = f"/lib/lazy-{group}.zip"
    try:
        with open(target, "wb") as f:
            f.write(data)
    except OSError:
        return False
    # A new sys.path entry gets a new finder: no importlib.invalidate_caches(),
    # which in 3.14 imports importlib.metadata, left out of the page's stdlib.
    if target not in sys.path:
        sys.path.append(target)
    return available(group)


async def _fetch(path: str):
    """The archive's bytes (a same-origin GET through the browser, so the
    service worker's copy serves it offline); None on any failure."""
    try:
        import js  # Pyodide only
        r = await js.fetch(path)
        if not r.ok:
            return None
        buf = await r.arrayBuffer()
        return bytes(buf.to_py())
    except Exception:  # noqa: BLE001 - any failure: the feature says it cannot read
        return None


__all__ = ["ensure", "available", "PROBE"]
