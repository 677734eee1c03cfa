# The page's entry point (PyScript runs this file; it is not part of the package).
# Load the pinned wheels by URL from our own folder, then hand over to app.ui.
import js
import pyodide_js
from pyodide.ffi import to_js


async def _load_wheels():
    resp = await js.fetch("./assets/vendor/wheels.json")
    if not resp.ok:
        raise RuntimeError("assets/vendor/wheels.json is missing: run python3 -m tools.vendor")
    names = (await resp.json()).to_py()
    urls = [str(js.URL.new(n, js.location.href)) for n in names]
    await pyodide_js.loadPackage(to_js(urls), to_js({"messageCallback": lambda *_: None,
                                                      "checkIntegrity": False},
                                                     dict_converter=js.Object.fromEntries))


js.performance.mark("py-start")  # boot phases, read by bench/run.py
await _load_wheels()  # noqa: F704 (PyScript supports top-level await)
js.performance.mark("wheels-loaded")

from app.ui import start  # noqa: E402

await start()  # noqa: F704
