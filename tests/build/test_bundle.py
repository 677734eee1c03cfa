"""The bytecode bundle, built by running the vendored Pyodide under Node (tools/bundle.py):
reproducible, complete (the trimmed stdlib has every module the page can import)
and current (a build follows every change to app/)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tools import bundle, bytecode, vendor

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def built():
    bad = vendor.bad_files(vendor.load_lock())
    assert not bad, f"run `python3 -m tools.vendor` first ({bad[0][0].name}: {bad[0][1]})"
    return bundle.build()


def run_in_bundle(b: bundle.Bundle, code: Path) -> dict:
    r = subprocess.run(["node", str(HERE / "run_in_bundle.mjs"), str(ROOT / b.runtime), str(ROOT / b.stdlib),
                        str(ROOT / b.app), str(ROOT / b.lib), str(ROOT), str(code)], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_every_shipped_module_and_feature_works_with_the_trimmed_stdlib(built):
    out = run_in_bundle(built, HERE / "exercise_bundle.py")
    stdlib = {bytecode.module_name(n) for n in bundle.stdlib_compiled(vendor.load_lock(), print)[0]}
    trimmed_away = {mod: name for mod, name in out["missing"].items()
                    if name in stdlib or name.split(".")[0] in stdlib}
    assert not trimmed_away, f"modules the stdlib build left out: {trimmed_away}"
    # Only optional extras of the wheels may fail (qrcode's PIL/PNG image types),
    # and PyScript's package, which needs the page's polyscript module.
    assert {m for m in out["missing"] if not m.startswith(("qrcode.", "pyscript"))} == set(), out["missing"]
    assert not {m: e for m, e in out["failed"].items() if m.startswith("app.")}, out["failed"]
    bad = {name: v for name, v in out["checks"].items() if v is not True}
    assert not bad, bad
    assert {"app.keys.smime", "asn1crypto.cms", "ecdsa", "zxcvbn", "qrcode.image.svg"} <= set(out["modules"])


def test_app_bytecode_is_reproducible_and_names_its_files(built):
    sources = {"app/keys/armor.py": (ROOT / "app/keys/armor.py").read_bytes(),
               "app/ipnets.py": (ROOT / "app/ipnets.py").read_bytes()}
    one = bytecode.compile_sources(ROOT / "assets/vendor/pyodide", sources, "/lib/app.zip/")
    two = bytecode.compile_sources(ROOT / "assets/vendor/pyodide", dict(reversed(sources.items())), "/lib/app.zip/")
    assert one.pycs == two.pycs
    assert b"/lib/app.zip/app/keys/armor.py" in one.pycs["app/keys/armor.pyc"]
    # unchecked-hash pyc: flags 0b01 (hash-based, do not check the source)
    assert int.from_bytes(one.pycs["app/ipnets.pyc"][4:8], "little") == 0b01
    assert "re" in one.imports["app.keys.armor"]["eager"]


def test_wheel_bytecode_matches_the_digest_in_the_lock(built):
    """Compiled afresh here, the wheels give the bytes another machine recorded."""
    lock = vendor.load_lock()
    assert lock["bytecode"]["recipe"] == bundle.RECIPE
    assert bundle.digest(bundle.compile_wheels(lock).pycs) == lock["bytecode"]["wheels"]


def test_a_syntax_error_is_named_with_its_file_and_line(built):
    with pytest.raises(bytecode.BytecodeError) as e:
        bytecode.compile_sources(ROOT / "assets/vendor/pyodide", {"app/broken.py": b"def f(:\n"}, "/lib/app.zip/")
    assert "app/broken.py, line 1" in str(e.value)


def test_build_is_a_no_op_when_nothing_changed(built, monkeypatch):
    files = [built.stdlib, built.app, built.lib, "assets/vendor/runtime.mjs", "assets/vendor/bundle.js"]
    before = {f: (ROOT / f).stat().st_mtime_ns for f in files}

    def no_compile(*a, **kw):
        raise AssertionError("nothing changed, yet the build compiled again")

    monkeypatch.setattr(bundle, "compile_wheels", no_compile)
    monkeypatch.setattr(bytecode, "compile_sources", no_compile)
    assert bundle.build() == built  # hashes app/, starts nothing
    assert {f: (ROOT / f).stat().st_mtime_ns for f in files} == before
    runtime = (ROOT / "assets/vendor/runtime.mjs").read_text()
    for f in (built.stdlib, built.app, built.lib):
        assert f.rsplit("/", 1)[-1] in runtime, f


def test_libraries_used_only_later_are_in_their_own_archive(built):
    """What the page imports while starting is in app-*.zip; the key parsers, QR
    and password-strength libraries, imported only when used, and the
    non-English catalogues in lib-*.zip."""
    import zipfile

    from app import i18n
    names = lambda path: set(zipfile.ZipFile(ROOT / path).namelist())  # noqa: E731
    top = lambda path: {n.split("/")[0].removesuffix(".pyc") for n in names(path)}  # noqa: E731
    assert top(built.app) == {"app", "pyotp", "pyscript"}
    assert top(built.lib) == {"app", "asn1crypto", "ecdsa", "six", "qrcode", "zxcvbn"}
    catalogues = {lang: i18n.module_name(lang).replace(".", "/") + ".pyc" for lang in i18n.LANGUAGES}
    assert len(catalogues) == 8
    later = {path for lang, path in catalogues.items() if lang != "en"}
    assert {"app/messages/__init__.pyc", catalogues["en"]} <= names(built.app)
    assert not later & names(built.app)  # an English page neither downloads nor reads them
    assert {n for n in names(built.lib) if n.startswith("app/")} == later
    assert built.version in (ROOT / "assets/vendor/bundle.js").read_text()
