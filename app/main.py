# The page's entry point: PyScript runs this file from source; everything it
# imports comes precompiled from the bundle on sys.path (assets/vendor/runtime.mjs,
# built by `python3 -m tools.vendor` whenever app/ changes).
import js

js.performance.mark("py-start")  # boot phases, read by bench/run.py

from app import warm  # noqa: E402
from app.ui import start  # noqa: E402

warm.when_ready()  # heavy libraries, in idle time once the page is ready
await start()  # noqa: F704 (PyScript supports top-level await)
