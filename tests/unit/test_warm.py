"""app.warm: the heavy libraries load in small steps, each an ordinary import."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from app import keys, warm

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


# The browser's modules, as stand-ins that accept anything: enough to import
# app/ui under CPython and see which modules an import pulls in (nothing runs).
BROWSER_STUBS = """
import sys, types
class _Any:
    def __getattr__(self, name): return _Any()
    def __call__(self, *a, **k): return _Any()
js = types.ModuleType("js"); js.__getattr__ = lambda name: _Any()
ffi = types.ModuleType("pyodide.ffi")
for n in ("create_proxy", "create_once_callable", "to_js"):
    setattr(ffi, n, lambda f, *a, **k: f)
ffi.jsnull = None
pyodide = types.ModuleType("pyodide"); pyodide.__path__ = []; pyodide.ffi = ffi
sys.modules.update({"js": js, "pyodide": pyodide, "pyodide.ffi": ffi})
"""

# What the page must not import before it is ready (each is imported by its
# section, at sign-in, or by the warm-up after ready).
LATER = ["app.keys", "app.keys.openpgp", "app.passwords", "app.totp", "app.stalwart.account",
         "app.stalwart.drive016", "app.stalwart.drivelegacy", "app.ui.password", "app.ui.twofactor",
         "app.ui.credentials", "asn1crypto", "ecdsa", "qrcode", "zxcvbn", "pyotp"]


def start_imports() -> list[str]:
    """The modules app.ui.start() imports, read from its source (so this test
    follows the real start path), and app.main's."""
    tree = ast.parse((ROOT / "app" / "ui" / "__init__.py").read_text())
    start = next(n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "start")
    out = ["app.warm", "app.ui"]
    for node in ast.walk(start):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            out += [node.module + "." + a.name if node.module in ("app", "app.ui") else node.module
                    for a in node.names]
    return out


def test_start_imports_none_of_the_lazily_loaded_modules():
    out = run(BROWSER_STUBS + f"""
import importlib
for name in {start_imports()!r}:
    importlib.import_module(name)
from app import warm
warm.steps()  # building the list imports nothing
print(sorted(m for m in {LATER!r} if m in sys.modules))
""")
    assert out == "[]"


def test_steps_cover_the_account_layer_key_parsers_sections_qr_and_password_strength():
    out = run(BROWSER_STUBS + f"""
import importlib
for name in {start_imports()!r}:
    importlib.import_module(name)
from app import warm
from app.ui import nav
count = warm.run_all(warm.steps())
print(count, sorted(m for m in {LATER!r} + list(nav.LAZY.values()) + ["asn1crypto.cms", "asn1crypto.x509",
      "app.keys.smime", "qrcode.image.svg"] if m not in sys.modules))
import app.keys
print(all(getattr(app.keys, n.rpartition(".")[2]) is sys.modules[n] for n in warm.KEYS_FIRST))
""")
    steps = (len(warm.ACCOUNT) + len(warm.KEYS_FIRST) + 1 + len(keys.WARM_UP) + 1 + len(warm.SECTIONS)
             + len(warm.LATER) + sum(map(len, warm.BEFORE_PACKAGE.values())))
    assert out == f"{steps} []\nTrue"


def test_a_failed_step_is_dropped_and_the_steps_it_returns_run_next():
    ran = []
    todo = [lambda: [lambda: ran.append("a"), lambda: ran.append("b")], lambda: ran.append("c")]
    warm.run_step(todo)
    assert len(todo) == 3 and ran == []
    assert warm.run_all(todo) == 3 and ran == ["a", "b", "c"]

    def boom():
        raise ImportError("no such module")

    todo = [boom, lambda: ran.append("d")]
    with pytest.raises(ImportError):
        warm.run_step(todo)
    assert len(todo) == 1  # the page's loop goes on with the next one


def test_a_submodule_run_first_is_the_one_its_package_uses():
    out = run("""
import sys
from app import warm
warm.submodule_first("zxcvbn.frequency_lists")
first = sys.modules["zxcvbn.frequency_lists"]
print("zxcvbn" in sys.modules, end=" ")
import zxcvbn
from zxcvbn import matching
print(matching.FREQUENCY_LISTS is first.FREQUENCY_LISTS, zxcvbn.zxcvbn("correct horse battery staple")["score"])
""")
    assert out == "False True 4"


def test_submodule_first_is_a_no_op_once_the_package_is_imported():
    out = run("""
import sys, zxcvbn
from app import warm
before = sys.modules["zxcvbn.frequency_lists"]
warm.submodule_first("zxcvbn.frequency_lists")
print(sys.modules["zxcvbn.frequency_lists"] is before)
""")
    assert out == "True"


def test_the_key_parsers_load_one_step_each_without_their_package():
    """Each app.keys submodule step really loads that module alone (a lookup by
    full name once found nothing for a nested package, so every step was a no-op
    and the package's __init__ then loaded them all in one long step)."""
    out = run("""
import sys
from app import warm
loaded = []
for name in warm.KEYS_FIRST:
    warm.submodule_first(name)
    loaded.append(name in sys.modules and "app.keys" not in sys.modules)
print(loaded)
""")
    assert out == str([True] * len(warm.KEYS_FIRST))
