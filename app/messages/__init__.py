"""Message catalogues, one plain dict per language (``MESSAGES``); see ``app.i18n``."""
import sys as _sys

# In the page, the non-English catalogues travel in the second archive
# (tools/bundle.py, later_catalogue), which runtime.mjs mounts as /lib/lib.zip and
# puts on sys.path before any of the page's Python runs: this package's modules
# are looked for in such an archive too. From the source tree (CLI, tests) all
# are here and no sys.path entry is a lib.zip.
__path__.extend(entry + "/app/messages" for entry in _sys.path
                if isinstance(entry, str) and entry.endswith("/lib.zip"))
del _sys
