"""Bytecode archives for the page, compiled by the vendored Pyodide under Node.

The browser would otherwise compile every module it imports from source on every
visit (the stdlib alone is 559 files). Here the sources are compiled once, by the
same interpreter the page runs, into unchecked-hash pycs (no timestamps), and
packed into zips with sorted names and fixed dates: the same inputs give the same
bytes. tools/vendor.py decides what goes in and names the files.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DRIVER = Path(__file__).resolve().parent / "pyodide_compile.mjs"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BytecodeError(Exception):
    """One sentence: what could not be compiled, and what to do."""


@dataclass(frozen=True)
class Compiled:
    pycs: dict[str, bytes]                       # "pkg/mod.pyc" -> pyc bytes
    imports: dict[str, list[str]]                # "pkg.mod" -> modules it may import
    boot_modules: list[str] = field(default_factory=list)  # what the runtime imported on its own


def module_name(rel: str) -> str:
    """'a/b/__init__.py' or '.pyc' -> 'a.b'; 'a/b.py' -> 'a.b'."""
    name = rel.rsplit(".", 1)[0].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def compile_sources(pyodide_dir: Path, sources: Mapping[str, bytes], prefix: str,
                    analyse: Mapping[str, bytes] | None = None, *, skip_mains: bool = False,
                    strip_docstrings: bool = False) -> Compiled:
    """Compile ``sources`` (path -> source bytes) in Pyodide; also read the imports
    of ``analyse`` (sources that are not shipped in the archive but run in the page).
    ``skip_mains``: the imports of module-level main()/_main()/_test() functions (a
    library's own command line or self-test) do not count. ``strip_docstrings``:
    as python -OO (about 15 % fewer bytes), asserts stay."""
    analyse = analyse or {}
    _check_node()
    with tempfile.TemporaryDirectory(prefix="bytecode-") as t:
        work = Path(t)
        for rel, data in [*sources.items(), *analyse.items()]:
            dest = work / "src" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (work / "out").mkdir()
        (work / "job.json").write_text(json.dumps({"prefix": prefix, "compile": sorted(sources),
                                                   "analyse": sorted(analyse), "skip_mains": skip_mains,
                                                   "strip_docstrings": strip_docstrings}))
        r = subprocess.run(["node", str(DRIVER), str(pyodide_dir), str(work)],
                           capture_output=True, text=True)
        if r.returncode != 0 or not (work / "imports.json").is_file():
            last = (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or ["no output"]
            raise BytecodeError(f"compiling with Pyodide under Node failed ({last[0]}); check that "
                                f"`node --version` is 18 or newer and run `python3 -m tools.vendor` again.")
        result = json.loads((work / "imports.json").read_text())
        if result["errors"]:
            raise BytecodeError(f"cannot compile {result['errors'][0]}; fix the source and the page "
                                f"is rebuilt on the next start.")
        pycs = {rel + "c": (work / "out" / (rel + "c")).read_bytes() for rel in sorted(sources)}
        return Compiled(pycs, result["imports"], result.get("boot", []))


def _check_node() -> None:
    """Pyodide runs under Node 18 or newer (its package says so)."""
    if shutil.which("node") is None:
        raise BytecodeError("`node` is not installed; install it (e.g. `apt-get install nodejs npm`) "
                            "and run `python3 -m tools.vendor` again.")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        major = 0
    if major < 18:
        raise BytecodeError(f"Node {version or '(unknown version)'} is too old to run Pyodide; install "
                            f"Node 18 or newer and run `python3 -m tools.vendor` again.")


def zip_bytes(entries: Mapping[str, bytes], deflate: bool = False) -> bytes:
    """A zip of ``entries`` that depends on nothing but them (sorted, fixed dates).

    Stored, not deflated, unless asked: the page's archives travel compressed
    as a whole (precompressed .br/.gz copies, tools/bundle.py), which is about a
    third smaller than deflating each module on its own, and zipimport then
    reads a module without inflating it."""
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method, compresslevel=9 if deflate else None) as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = method
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, entries[name])
    return buf.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Readers (the dev server, a running test) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}


def reachable(imports: Mapping[str, Mapping[str, Iterable[str]]], roots: Iterable[str],
              available: set[str], never_lazily: Iterable[str] = (), lazy: bool = True) -> set[str]:
    """The modules of ``available`` that ``roots`` can import, directly or not.

    ``imports[m]`` has m's "eager" imports (run when m is imported) and "lazy" ones
    (inside functions). Importing a.b.c runs a and a.b first, so parents come
    along; a name that is not one of ``available`` (a C module, an attribute from
    ``from x import y``) is skipped. A module under ``never_lazily`` is kept only
    when something kept imports it eagerly: a function that would need it (spawn
    a process, start a debugger) cannot run in the page anyway. ``lazy=False``:
    only what importing ``roots`` runs.
    """
    deny = tuple(never_lazily)

    def denied(mod: str) -> bool:
        return any(mod == d or mod.startswith(d + ".") for d in deny)

    seen: set[str] = set()
    todo = [(r, True) for r in roots]
    while todo:
        name, eager = todo.pop()
        if not eager and denied(name):
            continue
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            mod = ".".join(parts[:i])
            if mod in available and mod not in seen:
                seen.add(mod)
                edges = imports.get(mod, {})
                todo.extend((m, True) for m in edges.get("eager", ()))
                if lazy:
                    todo.extend((m, False) for m in edges.get("lazy", ()))
    return seen
