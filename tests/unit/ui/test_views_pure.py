"""app.ui.views is the page's decisions without the DOM: no module there
imports ``js`` (or pyodide), directly or through anything it imports, at
import time or inside a function, so every decision runs under CPython."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VIEWS = ROOT / "app" / "ui" / "views"
BROWSER = ("js", "pyodide")


def view_modules() -> list[str]:
    return sorted("app.ui.views" + ("" if p.stem == "__init__" else "." + p.stem)
                  for p in VIEWS.glob("*.py"))


def source(module: str) -> Path | None:
    """The file of an ``app`` module, found without importing anything."""
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _top_level(tree: ast.Module):
    """The statements that run when the module is imported (not function bodies)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


def _imports(module: str) -> set[str]:
    """The modules ``module`` imports: a view module's imports anywhere in it
    (functions included: a lazy import there is a view-model reaching for it),
    any other module's imports that run when it is imported."""
    path = source(module)
    if path is None:
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    nodes = ast.walk(tree) if module.startswith("app.ui.views") else _top_level(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def reachable(start: list[str]) -> dict[str, str]:
    """Every app module reachable from ``start`` through import statements,
    with the module that imports it (to say where a browser import comes from)."""
    seen: dict[str, str] = {m: "" for m in start}
    todo = list(start)
    while todo:
        m = todo.pop()
        for name in _imports(m):
            top = name.split(".")[0]
            if top in BROWSER:
                seen.setdefault(name, m)
            elif top == "app" and name not in seen and source(name) is not None:
                seen[name] = m
                todo.append(name)
    return seen


def test_the_package_has_the_view_models():
    assert {"app.ui.views", "app.ui.views.say", "app.ui.views.overview",
            "app.ui.views.access"} <= set(view_modules())


def test_no_view_module_imports_js_even_lazily_or_indirectly():
    found = reachable(view_modules())
    browser = {m: by for m, by in found.items() if m.split(".")[0] in BROWSER}
    assert browser == {}, f"a view-model reaches the browser: {browser}"


def test_the_scan_sees_a_browser_import_where_there_is_one():
    """The check above can fail: the painters do import js."""
    found = reachable(["app.ui.summary"])
    assert "js" in found and found["js"] == "app.ui.dom"
    assert "js" not in reachable(["app.ui.text"])  # the package's own start() imports js lazily


def test_importing_every_view_module_loads_no_browser_module():
    code = ("import sys, importlib\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            f"        if name.split('.')[0] in {BROWSER!r}: raise ImportError('browser module ' + name)\n"
            "sys.meta_path.insert(0, Block())\n"
            f"for m in {view_modules()!r}: importlib.import_module(m)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {BROWSER!r}))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# The page-level state the painters may hold at module level: event-listener
# proxies, running actions, open questions, what the message boxes show (a
# reference to the current user's slots), the strength timer. Nothing of a user.
PAGE_LEVEL = {"dom": {"_proxies", "_tasks", "_running", "_on_release", "_deferred_focus", "_invalid",
                      "_pending", "slots", "_status", "doc", "jsnull"},
              "password": {"_timer"},
              "early": {"_taken"}}  # boot.js hands its queue over once per page load, not per user


def test_per_user_state_lives_in_one_object_not_in_module_globals():
    """Issue 17: per-user UI state lived in module globals of the section
    modules (a 2FA set-up, a key report, the ids of unseen secrets): now in
    ``views.uistate.UserUi``, which sign-out replaces."""
    found = {}
    for path in sorted((ROOT / "app" / "ui").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            elif isinstance(node, ast.ClassDef):  # class attributes as a place for state
                if any(isinstance(b, (ast.Assign, ast.AnnAssign)) for b in node.body):
                    targets = [node.name]
            value = getattr(node, "value", None)
            empty = (isinstance(value, (ast.Dict, ast.List, ast.Set)) and not getattr(value, "keys", None)
                     and not getattr(value, "elts", None)) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in ("set", "dict", "list") and not value.args)
            for name in targets:
                if name in PAGE_LEVEL.get(path.stem, ()) or name.startswith("__"):
                    continue  # the page's own bookkeeping
                if name.isupper() and not empty:
                    continue  # a constant (an empty collection in capitals is still state)
                found.setdefault(path.stem, []).append(name)
    assert found == {}, f"module-level state in the painters: {found}"
