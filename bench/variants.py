"""The pages the benchmark compares, each served on its own origin by bench.server.

* ``today``: the page at the baseline commit (git worktree outside the repo,
  vendored the old way: source stdlib, wheels by URL, one request per module).
* ``page``: the page as it is now (PyScript, bytecode bundle, service worker).
* ``before``: the page at another commit (``--before``), built and served like
  ``page`` (the same cache rules), to see what a branch changed in the same run.
* ``bare``: a page that only calls ``loadPyodide`` from the same vendored npm
  Pyodide (source stdlib): the floor any Pyodide page starts from.
* Variants tried on the way (the same page with one thing changed): ``direct``
  (Pyodide without PyScript), ``fullstd`` (untrimmed bytecode stdlib), ``late``
  (the runtime starts only when PyScript asks for it), ``nosw`` (no service
  worker: the HTTP cache alone), ``swnet`` (the worker answers versioned files
  only offline); ``static``: the shell without any script, whose
  time is its first paint (the floor for the page's first paint).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.server import Site
from tools import bundle, bytecode, vendor

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    ui: bool            # the full page: sign-in and key checks work
    make: object        # () -> Site


BARE_HTML = b"""<!doctype html>
<html lang="en" data-app-state="loading"><head><meta charset="utf-8"><title>bare loadPyodide</title>
<script type="module" src="bench-bare.js"></script></head><body><p>loadPyodide only</p></body></html>
"""
BARE_JS = b"""import { loadPyodide } from "./assets/vendor/pyodide/pyodide.mjs";
performance.mark("runtime-start");
await loadPyodide({ indexURL: new URL("./assets/vendor/pyodide/", location.href).href });
performance.mark("app-ready");
document.documentElement.dataset.appState = "ready";
"""


def _replace(text: str, old: str, new: str, what: str) -> str:
    if old not in text:
        raise SystemExit(f"bench: {what} changed shape ({old[:60]!r} not found); update bench/variants.py")
    return text.replace(old, new)


def baseline(commit: str, tmp: Path, name: str = "baseline") -> Path:
    """An earlier page: a git worktree of ``commit`` with the runtime vendored its way."""
    dest = tmp / name
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(dest), commit], cwd=ROOT,
                   check=True, capture_output=True)
    for sub in ("pyodide", "pyscript", "wheels"):  # the same pinned files; its vendor step checks them
        src = ROOT / "assets" / "vendor" / sub
        shutil.copytree(src, dest / "assets" / "vendor" / sub, copy_function=_link)
    r = subprocess.run([sys.executable, "-m", "tools.vendor", "--quiet"], cwd=dest, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"bench: vendoring the baseline failed: {r.stderr.strip()}")
    return dest


def remove_baseline(tmp: Path) -> None:
    for name in ("baseline", "before"):
        subprocess.run(["git", "worktree", "remove", "--force", str(tmp / name)], cwd=ROOT,
                       capture_output=True)
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


def _encoded(rel: str, data: bytes, tmp: Path) -> dict[str, bytes]:
    """An override with the .br and .gz copies the build would make (bench.server serves them)."""
    path = tmp / "encoded" / rel.replace("/", "_")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    bundle.precompress([path])
    return {rel: data, **{rel + ext: path.with_name(path.name + ext).read_bytes() for ext in bundle.COPIES}}


def _link(src, dst):
    try:
        Path(dst).hardlink_to(src)
    except OSError:
        shutil.copy2(src, dst)


def variants(commit: str, tmp: Path, servers: list[str], before: str | None = None,
             names: tuple[str, ...] = ()) -> list[Variant]:
    """``names``: only these are prepared (an earlier page is built from git: minutes)."""
    b = bundle.build()
    lock = vendor.load_lock()
    base = baseline(commit, tmp) if "today" in names else None
    prev = baseline(before, tmp, "before") if before and "before" in names else None
    index = (ROOT / "index.html").read_text()
    boot = (ROOT / "assets" / "boot.js").read_text()
    runtime = (ROOT / "assets" / "vendor" / "runtime.mjs").read_text()

    direct_boot = _replace(boot, 'painted.then(() => import("./vendor/pyscript/core.js")).catch((e) => fail(why(e)));', """
painted.then(() => runtime).then(async (rt) => {
  const py = await rt.start();
  const main = await fetch(new URL("../app/main.py", import.meta.url));
  await py.runPythonAsync(await main.text());
}).catch((e) => fail(why(e)));""", "assets/boot.js")
    direct_index = _replace(index, '<script type="py" src="app/main.py" config="pyscript.toml" async></script>\n', "",
                            "index.html")
    direct_index = _replace(direct_index, '<link rel="modulepreload" href="assets/vendor/pyscript/core.js">\n', "",
                            "index.html")
    static = re.sub(r"<script[^>]*></script>\n|<link rel=\"modulepreload\"[^>]*>\n", "", index)
    static = _replace(static, 'data-app-state="loading"', 'data-app-state="ready"', "index.html")
    nosw_boot = _replace(boot, 'if (root.dataset.appState === "ready") registerWorker();',
                         'if (false) registerWorker();', "assets/boot.js")
    sw = (ROOT / "sw.js").read_text()
    swnet_sw = _replace(sw, "  if (IMMUTABLE.has(key)) {", "  if (IMMUTABLE.has(key) && self.navigator.onLine) return;\n"
                        "  if (IMMUTABLE.has(key)) {", "sw.js")
    late_boot = _replace(boot, 'painted.then(() => runtime).then((rt) => rt.start()).catch((e) => fail(why(e)));',
                         "", "assets/boot.js")

    std_all, _ = bundle.stdlib_compiled(lock, lambda m: None)
    full_name = "stdlib-full-bench.zip"
    full_runtime = _replace(runtime, b.stdlib.rsplit("/", 1)[-1], full_name, "runtime.mjs")

    return [
        Variant("today", f"the page at {commit} (today)", True,
                lambda: Site(base, servers=servers, legacy=True)),
        Variant("page", "the page now (PyScript + bytecode bundle + worker)", True,
                lambda: Site(ROOT, servers=servers)),
        Variant("before", f"the page at {before} (before issue 20: deflated archives, form opens at ready)", True,
                lambda: Site(prev, servers=servers)),
        Variant("bare", "bare loadPyodide, same vendored Pyodide", False,
                lambda: Site(ROOT, {"index.html": BARE_HTML, "bench-bare.js": BARE_JS}, servers)),
        Variant("direct", "variant: Pyodide directly, no PyScript (bytecode)", True,
                lambda: Site(ROOT, {"index.html": direct_index.encode(), "assets/boot.js": direct_boot.encode()},
                             servers)),
        Variant("fullstd", "variant: page with the untrimmed bytecode stdlib", True,
                lambda: Site(ROOT, {"assets/vendor/runtime.mjs": full_runtime.encode(),
                                    **_encoded(b.runtime + full_name, bytecode.zip_bytes(std_all), tmp)},
                             servers)),
        Variant("late", "variant: page, runtime starts when PyScript asks", True,
                lambda: Site(ROOT, {"assets/boot.js": late_boot.encode()}, servers)),
        Variant("static", "the static shell alone (HTML + CSS, no scripts): first paint floor", False,
                lambda: Site(ROOT, {"index.html": static.encode()}, servers)),
        Variant("nosw", "variant: page without the service worker (HTTP cache only)", True,
                lambda: Site(ROOT, {"assets/boot.js": nosw_boot.encode()}, servers)),
        Variant("swnet", "variant: the worker leaves versioned files to the HTTP cache while online", True,
                lambda: Site(ROOT, {"sw.js": swnet_sw.encode()}, servers)),
    ]
