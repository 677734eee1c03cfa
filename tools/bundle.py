"""Build what the page loads from the vendored inputs and app/ (bytecode, names, manifest).

    python3 -m tools.bundle          # build if anything changed (tools.vendor runs this too)

Produces, under assets/vendor/ (never committed):

* ``rt-<R>/``: the Pyodide core, a bytecode-only stdlib ``stdlib-<S>.zip`` holding
  just the modules the page can import, ``app-<A>.zip``: app/ and the wheels it
  imports while starting, compiled, and ``lib-<L>.zip``: the wheels it imports
  only when a section needs them (key parsers, QR, password strength) and the
  non-English message catalogues, fetched while Python starts instead of
  competing with the runtime's download, and mounted before the page's Python
  runs. R names the pinned runtime, S, A and L hash the archives' bytes, so a
  cached file is never used with another runtime or other sources.
* ``runtime.mjs``: the module pyscript.toml names as the interpreter; it loads
  that Pyodide with those archives (regenerated with every build).
* ``bundle.js``: the file list and version the service worker (sw.js) caches.
* ``build.json``: what it was built from; a build with the same inputs is a no-op
  that costs a hash of app/ (a few milliseconds), so every entry point calls it.

Compiled stdlib and wheels are cached under .cache/bundle/ per runtime; only app/
is recompiled when it changes (one Node start of Pyodide, a few seconds).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from tools import bytecode

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "assets" / "vendor"
LOCK = ROOT / "assets" / "vendor.lock.json"
CACHE = ROOT / ".cache" / "bundle"
RECIPE = 3  # bump when what goes into the archives changes

# Imports no import statement shows: codecs looked up by name (all of encodings is
# kept), time.strptime's _strptime, the traceback printer, zip imports, sysconfig
# data, and the modules Pyodide's JavaScript imports by name. What the runtime
# imports while starting is added from the compile run (Compiled.boot_modules).
ALWAYS = ["_strptime", "traceback", "linecache", "_colorize", "warnings", "_py_warnings",
          "zipimport", "site", "_sitebuiltins", "sysconfig",
          "_sysconfigdata__emscripten_wasm32-emscripten", "importlib", "importlib.util",
          "importlib.machinery", "importlib.abc", "_pyodide._base", "_pyodide._importhook",
          "pyodide", "pyodide._package_loader", "pyodide.code", "pyodide.ffi", "pyodide.webloop"]
# Only kept when something imports them at module level: the functions that would
# import them lazily start processes, debuggers, test runners, servers or use
# sockets, none of which the page does (in the browser, app.http talks through
# fetch; its urllib transport is for the CLI and tests).
NEVER_LAZILY = ["subprocess", "multiprocessing", "concurrent.futures.process", "pdb", "bdb",
                "pydoc", "_pyrepl", "doctest", "unittest", "code", "codeop", "rlcompleter",
                "tracemalloc", "profile", "cProfile", "pstats", "trace", "timeit", "webbrowser",
                "urllib.request", "http.client", "http.server", "http.cookiejar", "socketserver",
                "xmlrpc", "wsgiref", "mailbox", "smtplib", "imaplib", "poplib", "ftplib", "netrc",
                "pickletools", "zipapp", "compileall", "py_compile", "modulefinder", "pyclbr",
                "tabnanny", "pty", "tty", "getpass", "sqlite3", "ctypes", "tkinter", "curses",
                "venv", "ensurepip", "idlelib", "turtle", "dbm", "shelve", "argparse", "tarfile",
                "concurrent.futures.interpreter", "concurrent.interpreters",
                # installed-distribution lookups (nothing in the page asks for one),
                # the statistics behind random's self-check, logging's socket handlers
                "importlib.metadata", "statistics", "pickle"]
# Pure-Python stand-ins for C modules the runtime has built in (datetime and abc
# import them only when their C module is missing): the same code twice, left out.
# (tests/build imports datetime and abc in the built runtime.)
BUILTIN_TWINS = ["_pydatetime", "_py_abc", "_pydecimal", "_pyio"]
# What the Python snippets inside PyScript's JavaScript import (besides its own
# pyscript package, which is read from the vendored core below).
# (Its tar/zip unpacking snippets only run for archives under [files], which
# pyscript.toml has none of; a test keeps it that way.)
PYSCRIPT_SNIPPETS = ["asyncio", "inspect", "json", "os", "builtins", "base64"]
# PyScript files the page loads at start (the rest is its editor, terminal, MicroPython).
# (Its plugins' entry chunks load at start too; their heavy parts only when used.)
PYSCRIPT_BOOT = re.compile(r"^(core|core-\w+|toml-\w+|error-\w+|deprecations-manager-\w+|donkey-\w+"
                           r"|py-editor-\w+|py-game-\w+|py-terminal-\w+)\.js$")
# The page's own static files, served as they are (revalidated, never renamed).
SHELL = ["index.html", "pyscript.toml", "app/main.py", "assets/boot.js", "assets/app.css",
         "assets/icon.svg", "manifest.webmanifest", "assets/icons/icon-192.png",
         "assets/icons/icon-512.png", "assets/icons/maskable-512.png"]
OPTIONAL = ["config.json"]  # the host's settings, cached when the folder has one
# Wheels only one feature imports, each group in an archive of its own
# (``lazy-<group>-<hash>.zip``) that the page fetches the first time that
# feature runs (``app.lazy.ensure``), not at start: the Sieve parser of the
# security checkup. Their names reach the page in the generated ``app/_archives.py``.
LAZY = {"sieve": ("sievelib", "typing_extensions")}
# What the page downloads from assets/vendor/ travels compressed as a whole: X.br
# (brotli, what browsers take over HTTPS) and X.gz next to each versioned X (its
# name pins its bytes, so a copy that exists is current). serve.py sends them with
# Content-Encoding, as nginx's gzip_static/brotli_static and Caddy's `precompressed`
# do; the archives themselves are stored, not deflated (tools/bytecode.zip_bytes).
# Each copy is made once per content (.cache/bundle/compressed/): brotli at its
# highest quality takes the runtime's 9 MB .wasm about half a minute.
PRECOMPRESS = (".wasm", ".mjs", ".js", ".zip")
COPIES = (".br", ".gz")

_lock = threading.Lock()


class BundleError(Exception):
    """One sentence: what is wrong and what to do."""


@dataclass(frozen=True)
class Bundle:
    key: str            # hash of every input
    runtime: str        # "assets/vendor/rt-<R>/"
    stdlib: str         # path of the bytecode stdlib archive
    app: str            # path of the archive of app/ and the wheels it imports at start
    lib: str            # path of the archive of the wheels it imports later
    version: str        # names the service worker's cache
    files: list[str]    # what the service worker keeps (site-relative paths)
    lazy: dict = None   # group -> path of its archive (LAZY)


def _h(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.hexdigest()


def _lockdata() -> dict:
    try:
        return json.loads(LOCK.read_text())
    except (OSError, ValueError) as e:
        raise BundleError(f"cannot read {LOCK.relative_to(ROOT)} ({e}); restore it from git.")


def _pyodide(lock: dict) -> dict:
    return next(p for p in lock["npm"] if p["name"] == "pyodide")


def _pyscript(lock: dict) -> dict:
    return next(p for p in lock["npm"] if p["name"] == "@pyscript/core")


def runtime_id(lock: dict) -> str:
    """Names rt-<R>/: the pinned Pyodide files and the recipe, nothing else."""
    return _h(json.dumps(_pyodide(lock), sort_keys=True).encode(), str(RECIPE).encode())[:12]


def app_sources() -> dict[str, bytes]:
    """app/ as the page imports it: every module but the entry point and CLIs."""
    out = {}
    for p in sorted((ROOT / "app").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if "__pycache__" in rel or rel == "app/main.py" or rel.endswith("/__main__.py"):
            continue
        out[rel] = p.read_bytes()
    return out


def _tools_id() -> str:
    """The build's own code: changing it rebuilds (and re-caches) everything."""
    here = Path(__file__).resolve().parent
    return _h(*[(here / n).read_bytes() for n in ("bundle.py", "bytecode.py", "pyodide_compile.mjs",
                                                          "brotli.mjs")])[:12]


def _compiler_id() -> str:
    return _h((Path(__file__).resolve().parent / "pyodide_compile.mjs").read_bytes())[:12]


def input_key(lock: dict, sources: dict[str, bytes]) -> str:
    parts = [str(RECIPE).encode(), _tools_id().encode(), json.dumps(lock["npm"], sort_keys=True).encode(),
             json.dumps(lock["wheels"], sort_keys=True).encode(),
             json.dumps(lock.get("bytecode", {}), sort_keys=True).encode(),
             (ROOT / "app" / "main.py").read_bytes() if (ROOT / "app" / "main.py").exists() else b"",
             " ".join(f for f in OPTIONAL if (ROOT / f).is_file()).encode()]
    for rel, data in sources.items():
        parts += [rel.encode(), data]
    return _h(*parts)


def digest(entries: dict[str, bytes]) -> str:
    """One hash over an archive's names and contents (the lock records these)."""
    return _h(*[x for n in sorted(entries) for x in (n.encode(), entries[n])])


# ------------------------------------------------------------------ compiled inputs

def _cached(name: str) -> tuple[dict[str, bytes], dict] | None:
    path = CACHE / name
    if not path.is_file():
        return None
    entries = bytecode.read_zip(path)
    meta = json.loads(entries.pop("_meta.json"))
    return entries, meta


def _store(name: str, entries: dict[str, bytes], meta: dict) -> None:
    bytecode.write_atomic(CACHE / name, bytecode.zip_bytes({**entries, "_meta.json": json.dumps(meta).encode()},
                                                          deflate=True))


def stdlib_compiled(lock: dict, say) -> tuple[dict[str, bytes], dict]:
    """Every stdlib module as bytecode, plus its import graph (cached per runtime)."""
    rid = runtime_id(lock)
    hit = _cached(f"stdlib-{rid}-{_compiler_id()}.zip")
    if hit:
        return hit
    say("compiling the standard library with Pyodide (once per runtime, under a minute)…")
    c = compile_stdlib()
    meta = {"imports": c.imports, "boot": c.boot_modules}
    _check_reproducible(lock, "stdlib", digest(c.pycs))
    _store(f"stdlib-{rid}-{_compiler_id()}.zip", c.pycs, meta)
    return c.pycs, meta


def compile_stdlib() -> bytecode.Compiled:
    src = {n: d for n, d in bytecode.read_zip(VENDOR / "pyodide" / "python_stdlib.zip").items()
           if n.endswith(".py")}
    pyver = json.loads((VENDOR / "pyodide" / "pyodide-lock.json").read_text())["info"]["python"]
    tag = "".join(pyver.split(".")[:2])
    return bytecode.compile_sources(VENDOR / "pyodide", src, f"/lib/python{tag}.zip/", skip_mains=True,
                                    strip_docstrings=True)


def compile_wheels(lock: dict) -> bytecode.Compiled:
    return bytecode.compile_sources(VENDOR / "pyodide", wheel_sources(lock), "/lib/app.zip/",
                                    strip_docstrings=True)


def wheel_sources(lock: dict) -> dict[str, bytes]:
    """The wheels' modules, without their test suites and metadata."""
    out = {}
    for w in lock["wheels"]:
        with zipfile.ZipFile(VENDOR / "wheels" / w["file"]) as z:
            for n in z.namelist():
                base = n.rsplit("/", 1)[-1]
                if (not n.endswith(".py") or ".dist-info/" in n or "/tests/" in n
                        or base.startswith("test_") or base == "__main__.py"
                        or n in ("qrcode/release.py", "qrcode/console_scripts.py")):
                    continue
                out[n] = z.read(n)
    return out


def wheels_compiled(lock: dict, say) -> tuple[dict[str, bytes], dict]:
    wid = _h(runtime_id(lock).encode(), _compiler_id().encode(),
             json.dumps(lock["wheels"], sort_keys=True).encode())[:12]
    hit = _cached(f"wheels-{wid}.zip")
    if hit:
        return hit
    say("compiling the wheels with Pyodide (once per version)…")
    c = compile_wheels(lock)
    meta = {"imports": c.imports}
    _check_reproducible(lock, "wheels", digest(c.pycs))
    _store(f"wheels-{wid}.zip", c.pycs, meta)
    return c.pycs, meta


def _check_reproducible(lock: dict, what: str, got: str) -> None:
    rec = lock.get("bytecode", {})
    if rec.get("recipe") != RECIPE:
        print(f"bundle: {LOCK.relative_to(ROOT)} has no {what} digest for build recipe {RECIPE} yet; "
              f"record it with `python3 -m tools.vendor --relock`", file=sys.stderr)
        return
    want = rec.get(what)
    if want != got:
        raise BundleError(f"the {what} bytecode built here differs from the one recorded in "
                          f"{LOCK.relative_to(ROOT)} (the build is not reproducible on this machine); "
                          f"run `python3 -m tools.vendor --relock` only if you changed the runtime on purpose.")


def pyscript_sources() -> dict[str, bytes]:
    """PyScript's own Python package, as embedded in its core."""
    out = {}
    for core in sorted((VENDOR / "pyscript").glob("core-*.js")):
        text = core.read_text(encoding="utf-8")
        for m in re.finditer(r'"([\w]+\.py)":("(?:[^"\\]|\\.)*")', text):
            try:
                out[f"pyscript/{m.group(1)}"] = json.loads(m.group(2).replace("\\'", "'")).encode()
            except ValueError:
                continue
    return out


# ------------------------------------------------------------------ the build

def stdlib_modules(stdlib: dict[str, bytes], page_modules: set[str], graph: dict,
                   roots: list[str]) -> set[str]:
    """The stdlib modules that the page's code (app/, the wheel modules it reaches,
    PyScript's package, the entry point) can import. All wheel modules ship; only
    the reachable ones count here."""
    available = {bytecode.module_name(n) for n in stdlib}
    reach = bytecode.reachable(graph, roots, available | page_modules, NEVER_LAZILY)
    keep = reach & available
    keep |= {m for m in available if m == "encodings" or m.startswith("encodings.")}
    return keep - set(BUILTIN_TWINS)


def later_catalogue(name: str) -> bool:
    """A non-English message catalogue (``app/messages/de.pyc``): it travels in the
    lib archive, so an English page's critical download and start skip them. The
    lib archive is mounted before any of the page's Python runs (runtime.mjs), and
    app/messages/__init__.py looks for the package's modules there too."""
    folder, _, base = name.rpartition("/")
    return folder == "app/messages" and base.endswith(".pyc") and base not in ("__init__.pyc", "en.pyc")


def _write_if_missing(path: Path, data: bytes) -> None:
    if not path.is_file() or path.stat().st_size != len(data):
        bytecode.write_atomic(path, data)


def _link_runtime(rt: Path) -> None:
    rt.mkdir(parents=True, exist_ok=True)
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm"):
        src, dest = VENDOR / "pyodide" / name, rt / name
        if dest.is_file() and dest.stat().st_size == src.stat().st_size:
            continue
        dest.unlink(missing_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)


def runtime_module(lock: dict, rid: str, stdlib: str, app: str, lib: str, version: str,
                   chunks: list[str] = ()) -> str:
    """``chunks``: PyScript's modules it imports only once the runtime is ready (its
    config parser, its plugins), preloaded at once instead of one round trip each
    after the runtime (its core.js and core chunk are preloaded by index.html)."""
    info = json.loads((VENDOR / "pyodide" / "pyodide-lock.json").read_text())["info"]
    mini_lock = json.dumps({"info": info, "packages": {}})
    later = [c.removeprefix("assets/vendor/") for c in chunks]
    return f"""// Generated by `python3 -m tools.vendor` (tools/bundle.py) for this build; do not edit.
// The interpreter pyscript.toml names: the pinned Pyodide, with the bytecode stdlib
// and the page's bytecode archives on sys.path. assets/boot.js calls start() first
// thing, so the runtime downloads and boots while PyScript loads; PyScript's own
// loadPyodide() call then gets that same runtime, with its output handlers.
export const version = {json.dumps(_pyodide(lock)["version"])};
export const bundle = {json.dumps({"version": version, "stdlib": stdlib, "app": app, "lib": lib})};
const base = new URL("./rt-{rid}/", import.meta.url).href;
const out = {{ stdout: (s) => console.log(s), stderr: (s) => console.warn(s) }};
let booting = null;

async function fetchBytes(name) {{
  const url = new URL(name, base).href;
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${{url}}: HTTP ${{r.status}}`);
  return new Uint8Array(await r.arrayBuffer());
}}

// The downloads start as soon as this module runs, before the shell's first paint
// (boot.js calls start() after it): the loader's own requests find them preloaded.
const stdlibURL = new URL("{stdlib}", base).href;
const loader = import("./rt-{rid}/pyodide.mjs");
const here = (p) => new URL(p, import.meta.url).href;
for (const [rel, href, as] of [["modulepreload", base + "pyodide.asm.mjs"],
                               ["preload", base + "pyodide.asm.wasm", "fetch"], ["preload", stdlibURL, "fetch"],
                               ...{json.dumps(later)}.map((c) => ["modulepreload", here(c)])]) {{
  const link = Object.assign(document.createElement("link"), {{ rel, href }});
  if (as) {{
    link.as = as;
    link.crossOrigin = "anonymous";  // what fetch() asks for, so the preload is used
  }}
  document.head.append(link);
}}
const app = fetchBytes("{app}");
app.catch(() => {{}});  // reported by fsInit below

export function start() {{
  if (booting) return booting;
  performance.mark("runtime-start");
  let lib = null;
  booting = loader.then(({{ loadPyodide: load }}) => load({{
    indexURL: base,
    stdLibURL: stdlibURL,
    lockFileContents: {json.dumps(mini_lock)},
    stdout: (s) => out.stdout(s),
    stderr: (s) => out.stderr(s),
    env: {{ PYTHONPATH: "/lib/app.zip" }},
    fsInit: async (FS) => {{
      FS.writeFile("/lib/app.zip", await app);
      // The runtime has arrived; the libraries the page imports only later
      // download now, while Python starts, instead of slowing the runtime down.
      lib = fetchBytes("{lib}");
      lib.catch(() => {{}});
    }},
  }})).then(async (py) => {{
    // Mounted before PyScript gets the runtime, so before the page's first
    // Python line: the non-English catalogues in it (app/messages/__init__.py
    // looks in a lib.zip on sys.path) are there for the first translated text,
    // however late the archive arrives.
    py.FS.writeFile("/lib/lib.zip", await lib);
    const path = py.pyimport("sys").path;
    path.insert(1, "/lib/lib.zip");
    // PyScript writes its Python package into the working folder ("" on sys.path)
    // and imports it; the same package, compiled, is in app.zip: look there first.
    path.remove("/lib/app.zip");
    path.insert(0, "/lib/app.zip");
    performance.mark("runtime-ready");
    return py;
  }});
  return booting;
}}

export function loadPyodide(options = {{}}) {{
  if (options.stdout) out.stdout = options.stdout;
  if (options.stderr) out.stderr = options.stderr;
  return start();
}}
"""


def immutable(relpath: str) -> bool:
    """Files whose name changes whenever their bytes do: the versioned runtime
    folder, and PyScript's content-hashed chunks (core.js itself keeps its name)."""
    return (relpath.startswith("assets/vendor/rt-")
            or re.fullmatch(r"assets/vendor/pyscript/[\w-]+-[\w-]{8}\.js", relpath) is not None)


def sw_manifest(b: Bundle) -> str:
    return ("// Generated by `python3 -m tools.vendor` (tools/bundle.py); read by sw.js.\n"
            "self.BUNDLE = " + json.dumps({"version": b.version, "files": b.files,
                                           "immutable": [f for f in b.files if immutable(f)]},
                                          indent=1) + ";\n")


def current(lock: dict | None = None) -> Bundle | None:
    """The built bundle if it matches the inputs now, else None."""
    lock = lock or _lockdata()
    try:
        rec = json.loads((VENDOR / "build.json").read_text())
    except (OSError, ValueError):
        return None
    if rec.get("key") != input_key(lock, app_sources()):
        return None
    b = Bundle(**rec)
    if not all((ROOT / f).is_file() for f in [b.stdlib, b.app, b.lib, "assets/vendor/runtime.mjs",
                                               "assets/vendor/bundle.js",
                                               *(a + ext for a in (b.stdlib, b.app, b.lib) for ext in COPIES)]):
        return None
    return b


def build(quiet: bool = True, lock: dict | None = None) -> Bundle:
    """Bring assets/vendor/ up to date with app/ and the lock; a no-op when it is."""
    with _lock:
        lock = lock or _lockdata()
        b = current(lock)
        if b:
            return b
        # The compile steps take seconds to a minute: say so even when asked to be
        # quiet (serve.py), so nobody waits in front of a silent terminal.
        say = lambda m: print(f"bundle: {m}", file=sys.stderr, flush=True)  # noqa: E731
        say("app/ or the runtime changed: building the page's bytecode bundle…")
        t0 = time.monotonic()
        sources = app_sources()
        key = input_key(lock, sources)
        # Never leave the previous app code reachable while (or if) this build fails.
        (VENDOR / "runtime.mjs").unlink(missing_ok=True)
        rid = runtime_id(lock)
        rt = VENDOR / f"rt-{rid}"
        _link_runtime(rt)
        std_pycs, std_meta = stdlib_compiled(lock, say)
        whl_pycs, whl_meta = wheels_compiled(lock, say)
        main = ROOT / "app" / "main.py"
        # PyScript's own package (from its vendored core) is compiled in as well:
        # runtime.mjs puts app.zip before the folder PyScript writes the sources to.
        group = lambda n: next((g for g, tops in LAZY.items() if n.split("/")[0].removesuffix(".pyc") in tops), None)  # noqa: E731
        lazy_zips = {g: bytecode.zip_bytes({n: d for n, d in whl_pycs.items() if group(n) == g}) for g in LAZY}
        lazy_names = {g: f"lazy-{g}-{hashlib.sha256(z).hexdigest()[:12]}.zip" for g, z in lazy_zips.items()}
        rel = f"assets/vendor/rt-{rid}/"
        archives = b"ARCHIVES = " + repr({g: rel + n for g, n in lazy_names.items()}).encode() + b"\n"
        app = bytecode.compile_sources(VENDOR / "pyodide", {**sources, **pyscript_sources(), "app/_archives.py": archives},
                                       "/lib/app.zip/", {"__main__.py": main.read_bytes()})
        graph = {**std_meta["imports"], **whl_meta["imports"], **app.imports}
        roots = [*app.imports, *ALWAYS, *PYSCRIPT_SNIPPETS, *std_meta.get("boot", [])]
        page_modules = set(whl_meta["imports"]) | set(app.imports)
        keep = stdlib_modules(std_pycs, page_modules, graph, roots)
        at_start = {m.split(".")[0] for m in bytecode.reachable(graph, roots, page_modules, lazy=False)}
        std_zip = bytecode.zip_bytes({n: d for n, d in std_pycs.items() if bytecode.module_name(n) in keep})
        app_zip = bytecode.zip_bytes({**{n: d for n, d in whl_pycs.items() if n.split("/")[0].removesuffix(".pyc") in at_start},
                                      **{n: d for n, d in app.pycs.items() if not later_catalogue(n)}})
        lib_zip = bytecode.zip_bytes({**{n: d for n, d in whl_pycs.items()
                                         if n.split("/")[0].removesuffix(".pyc") not in at_start and not group(n)},
                                      **{n: d for n, d in app.pycs.items() if later_catalogue(n)}})
        std_name = f"stdlib-{hashlib.sha256(std_zip).hexdigest()[:12]}.zip"
        app_name = f"app-{hashlib.sha256(app_zip).hexdigest()[:12]}.zip"
        lib_name = f"lib-{hashlib.sha256(lib_zip).hexdigest()[:12]}.zip"
        for name, data in ((std_name, std_zip), (app_name, app_zip), (lib_name, lib_zip),
                           *((lazy_names[g], z) for g, z in lazy_zips.items())):
            _write_if_missing(rt / name, data)
        version = _h(rid.encode(), std_name.encode(), app_name.encode(), lib_name.encode(), key.encode())[:16]
        boot_js = sorted(f"assets/vendor/pyscript/{p.name}" for p in (VENDOR / "pyscript").iterdir()
                         if PYSCRIPT_BOOT.match(p.name))
        files = [*SHELL, *(f for f in OPTIONAL if (ROOT / f).is_file()), "assets/vendor/runtime.mjs", *boot_js,
                 *(rel + n for n in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", std_name, app_name,
                                     lib_name, *lazy_names.values()))]
        b = Bundle(key=key, runtime=rel, stdlib=rel + std_name, app=rel + app_name, lib=rel + lib_name,
                   version=version, files=files, lazy={g: rel + n for g, n in lazy_names.items()})
        precompress([ROOT / f for f in files if immutable(f) and f.endswith(PRECOMPRESS)])
        bytecode.write_atomic(VENDOR / "bundle.js", sw_manifest(b).encode())
        bytecode.write_atomic(VENDOR / "build.json", json.dumps(asdict(b), indent=1).encode())
        bytecode.write_atomic(VENDOR / "runtime.mjs",
                              runtime_module(lock, rid, std_name, app_name, lib_name, version,
                                             [c for c in boot_js if not re.search(r"/core(-\w+)?\.js$", c)]).encode())
        _prune(rt, {std_name, app_name, lib_name, *lazy_names.values()})
        if not quiet:
            print(f"bundle: built {rel}: {std_name} ({len(std_zip) // 1024} KiB, {len(keep)} stdlib modules), "
                  f"{app_name} ({len(app_zip) // 1024} KiB), {lib_name} ({len(lib_zip) // 1024} KiB) "
                  f"in {time.monotonic() - t0:.1f} s")
        return b


def precompress(paths: list[Path]) -> None:
    """Write the missing .br and .gz copies of ``paths`` (see PRECOMPRESS)."""
    store = CACHE / "compressed"
    brotli: list[tuple[Path, Path]] = []
    links: list[tuple[Path, Path]] = []
    for src in paths:
        missing = [ext for ext in COPIES if not src.with_name(src.name + ext).is_file()]
        if not missing:
            continue
        data = src.read_bytes()
        name = hashlib.sha256(data).hexdigest()
        for ext in missing:
            kept = store / (name + ext)
            if not kept.is_file():
                if ext == ".gz":
                    bytecode.write_atomic(kept, gzip.compress(data, 9, mtime=0))
                else:
                    brotli.append((src, kept))
            links.append((kept, src.with_name(src.name + ext)))
    if brotli:
        store.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["node", str(ROOT / "tools" / "brotli.mjs"), *(str(x) for pair in brotli for x in pair)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            last = (r.stderr.strip() or "no output").splitlines()[-1]
            raise BundleError(f"compressing the bundle with Node failed ({last}); check that `node --version` "
                              f"is 18 or newer and run `python3 -m tools.vendor` again.")
    for kept, dest in links:
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(kept, tmp)
        except OSError:
            shutil.copyfile(kept, tmp)
        os.replace(tmp, dest)


def _prune(rt: Path, keep: set[str]) -> None:
    """Drop other runtimes and all but the newest few archives (a page that is
    loading right now may still ask for the previous one)."""
    for d in VENDOR.glob("rt-*"):
        if d.is_dir() and d != rt:
            shutil.rmtree(d, ignore_errors=True)
    for pattern in ("stdlib-*.zip", "app-*.zip", "lib-*.zip", *(f"lazy-{g}-*.zip" for g in LAZY)):
        old = sorted((p for p in rt.glob(pattern) if p.name not in keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
        for p in old[2:]:
            for q in (p, *(p.with_name(p.name + ext) for ext in COPIES)):
                q.unlink(missing_ok=True)


def record_reproducible(lock: dict) -> dict:
    """--relock: write the bytecode digests the lock keeps next to the pinned inputs."""
    lock = dict(lock)
    lock.pop("bytecode", None)
    std, _ = stdlib_compiled(lock, print)
    whl, _ = wheels_compiled(lock, print)
    lock["bytecode"] = {"recipe": RECIPE, "stdlib": digest(std), "wheels": digest(whl)}
    return lock


def main(argv: list[str] | None = None) -> int:
    try:
        b = build(quiet="--quiet" in (argv or sys.argv[1:]))
    except (BundleError, bytecode.BytecodeError) as e:
        print(f"bundle: {e}", file=sys.stderr)
        return 1
    print(f"bundle: {b.app} is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
