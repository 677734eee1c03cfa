"""serve.py, the vendor step, the bundle build's pure parts and the PyScript config.
(The parts that run Pyodide under Node are tested in tests/build.)"""
import io
import json
import threading
import urllib.error
import zipfile
import urllib.request
from pathlib import Path

import pytest

import serve
from tools import bundle, bytecode, pyconfig, vendor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server():
    httpd = serve.make_server("127.0.0.1", 0, ["https://mail.example.com"])
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def get(url, **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def test_security_headers_on_every_response(server):
    for path in ["/", "/assets/app.css", "/does-not-exist"]:
        _, h, _ = get(server + path)
        csp = h["content-security-policy"]
        assert "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'" in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-content-type-options"] == "nosniff"


def test_connect_src_is_the_page_and_the_chosen_server_only(server):
    _, h, _ = get(server + "/")
    connect = [d for d in h["content-security-policy"].split("; ") if d.startswith("connect-src")][0]
    assert connect == "connect-src 'self' https://mail.example.com"
    # ?server= never widens it: the allowed servers come from --server / config.json only
    _, h, _ = get(server + "/?server=https%3A%2F%2Fother.example.org%3A8443%2Fpath")
    assert "other.example.org" not in h["content-security-policy"]
    # anything that is not an http(s) origin is ignored, never copied into the header
    _, h, _ = get(server + "/?server=javascript:alert(1)%3B%20script-src%20*")
    assert "javascript" not in h["content-security-policy"] and "script-src *" not in h["content-security-policy"]


def test_private_folders_are_not_served(server):
    for path in ["/.git/config", "/.venv/pyvenv.cfg", "/tests/conftest.py", "/tools/vendor.py", "/.ci/run"]:
        assert get(server + path)[0] == 404, path


def _local_vendor(tmp_path, monkeypatch) -> dict:
    """A lock of two small local files (one npm package, one wheel) and a
    vendor folder holding exactly them: the check runs offline."""
    import hashlib
    files = {"pkg/a.mjs": b"export const a = 1;\n", "wheels/w-1.0-py3-none-any.whl": b"PK fake wheel"}
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    digest = {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}
    lock = {"npm": [{"dest": "pkg", "files": {"a.mjs": digest["pkg/a.mjs"]}}],
            "wheels": [{"name": "w", "version": "1.0", "file": "w-1.0-py3-none-any.whl",
                        "sha256": digest["wheels/w-1.0-py3-none-any.whl"]}]}
    monkeypatch.setattr(vendor, "VENDOR", tmp_path)
    monkeypatch.setattr(vendor, "ROOT", tmp_path)  # paths are printed relative to it
    monkeypatch.setattr(vendor, "load_lock", lambda: lock)
    return lock


def test_vendor_check_passes_when_every_file_matches_the_lock(tmp_path, monkeypatch, capsys):
    lock = _local_vendor(tmp_path, monkeypatch)
    assert vendor.bad_files(lock) == []
    assert vendor.main(["--check"]) == 0
    assert capsys.readouterr().err == ""


def test_vendor_check_names_each_missing_or_changed_file(tmp_path, monkeypatch, capsys):
    lock = _local_vendor(tmp_path, monkeypatch)
    (tmp_path / "pkg" / "a.mjs").write_bytes(b"export const a = 2;\n")
    (tmp_path / "wheels" / "w-1.0-py3-none-any.whl").unlink()
    assert dict(vendor.bad_files(lock)) == {tmp_path / "pkg" / "a.mjs": "sha256 mismatch",
                                            tmp_path / "wheels" / "w-1.0-py3-none-any.whl": "missing"}
    assert vendor.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "pkg/a.mjs: sha256 mismatch" in err and "wheels/w-1.0-py3-none-any.whl: missing" in err


def test_vendor_check_downloads_nothing(tmp_path, monkeypatch):
    _local_vendor(tmp_path, monkeypatch)
    (tmp_path / "pkg" / "a.mjs").unlink()

    def no_network(*a, **kw):
        raise AssertionError("--check must not fetch anything")

    monkeypatch.setattr(vendor, "run", no_network)
    monkeypatch.setattr(vendor, "vendor", no_network)
    assert vendor.main(["--check"]) == 1


def test_vendor_refuses_a_tampered_file(tmp_path, monkeypatch):
    lock = vendor.load_lock()
    monkeypatch.setattr(vendor, "VENDOR", tmp_path)
    victim = vendor.expected_files(lock)
    first = next(iter(victim))
    first.parent.mkdir(parents=True, exist_ok=True)
    first.write_bytes(b"tampered")
    bad = dict(vendor.bad_files(lock))
    assert bad[first] == "sha256 mismatch"
    assert all(why == "missing" for p, why in bad.items() if p != first)


def test_vendor_names_the_missing_tool(monkeypatch, tmp_path):
    monkeypatch.setattr(vendor.shutil, "which", lambda _: None)
    with pytest.raises(vendor.VendorError) as e:
        vendor.run(["npm", "pack", "x"], tmp_path, "x")
    assert "`npm` is not installed" in str(e.value)


def test_lock_pins_every_file_with_a_hash():
    lock = vendor.load_lock()
    files = vendor.expected_files(lock)
    assert files and all(len(d) == 64 for d in files.values())
    names = {w["name"] for w in lock["wheels"]}
    assert {"pyotp", "qrcode", "zxcvbn", "asn1crypto", "ecdsa"} <= names
    runtime = (ROOT / "tools" / "requirements-runtime.txt").read_text()
    for w in lock["wheels"]:  # the CLI/demo use the same versions as the page
        assert f"{w['name']}=={w['version']}" in runtime


def test_pyscript_toml_names_the_built_interpreter_and_no_files():
    assert pyconfig.main(["--check"]) == 0
    text = (ROOT / "pyscript.toml").read_text()
    assert 'interpreter = "./assets/vendor/runtime.mjs"' in text
    assert "://" not in text  # every path is local
    # app/ comes as one bytecode archive: no [files] (a fetch and a compile per
    # module, and PyScript's tar/zip snippets, which the stdlib trimming leaves out)
    # and no packages (micropip, a package index)
    assert "[files]" not in text and "packages" not in text


def test_zip_bytes_depend_only_on_the_entries():
    a = bytecode.zip_bytes({"b/c.pyc": b"2", "a.pyc": b"1"})
    b = bytecode.zip_bytes({"a.pyc": b"1", "b/c.pyc": b"2"})
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert z.namelist() == ["a.pyc", "b/c.pyc"]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert bytecode.zip_bytes({"a.pyc": b"x"}) != a


def test_module_names_of_archive_paths():
    assert bytecode.module_name("app/keys/__init__.pyc") == "app.keys"
    assert bytecode.module_name("app/keys/smime.py") == "app.keys.smime"
    assert bytecode.module_name("six.pyc") == "six"


GRAPH = {
    "app": {"eager": ["app.ui"], "lazy": []},
    "app.ui": {"eager": ["json", "js"], "lazy": ["zipfile", "subprocess", "email.utils"]},
    "json": {"eager": ["json.decoder"], "lazy": []},
    "json.decoder": {"eager": ["re"], "lazy": []},
    "re": {"eager": [], "lazy": []},
    "zipfile": {"eager": ["subprocess"], "lazy": []},
    "subprocess": {"eager": ["signal"], "lazy": []},
    "email.utils": {"eager": [], "lazy": []},
    "doctest": {"eager": [], "lazy": []},
}
STDLIB = {"json", "json.decoder", "re", "zipfile", "subprocess", "signal", "email", "email.utils", "doctest"}


def test_reachable_follows_eager_and_lazy_imports_and_parents():
    got = bytecode.reachable(GRAPH, ["app"], STDLIB | {"app", "app.ui"})
    # email comes with email.utils (a parent runs first); js is not ours; doctest unused
    assert got == {"app", "app.ui", "json", "json.decoder", "re", "zipfile", "subprocess",
                   "signal", "email", "email.utils"}


def test_reachable_keeps_a_denied_module_only_when_imported_eagerly():
    denied = bytecode.reachable(GRAPH, ["app"], STDLIB | {"app", "app.ui"}, ["subprocess", "email"])
    assert "email" not in denied and "email.utils" not in denied
    assert {"subprocess", "signal"} <= denied  # zipfile needs it at import time
    graph = {**GRAPH, "zipfile": {"eager": [], "lazy": []}}
    assert "subprocess" not in bytecode.reachable(graph, ["app"], STDLIB | {"app", "app.ui"}, ["subprocess"])


def test_only_versioned_names_are_immutable():
    assert bundle.immutable("assets/vendor/rt-0123456789ab/app-0123456789ab.zip")
    assert bundle.immutable("assets/vendor/rt-0123456789ab/pyodide.asm.wasm")
    assert bundle.immutable("assets/vendor/pyscript/core-C9KDLldu.js")
    assert bundle.immutable("assets/vendor/pyscript/codemirror_lang-python-r-dBg-Wd.js")  # "-" in the hash
    for path in ["assets/vendor/runtime.mjs", "assets/vendor/bundle.js", "assets/vendor/pyscript/core.js",
                 "index.html", "app/main.py", "assets/boot.js", "pyscript.toml", "sw.js"]:
        assert not bundle.immutable(path), path


def test_any_change_to_app_sources_changes_the_build_key():
    lock = vendor.load_lock()
    sources = bundle.app_sources()
    assert "app/keys/__init__.py" in sources and "app/main.py" not in sources
    assert not [p for p in sources if p.endswith("__main__.py")]
    key = bundle.input_key(lock, sources)
    assert bundle.input_key(lock, dict(sources)) == key
    edited = {**sources, "app/keys/__init__.py": sources["app/keys/__init__.py"] + b"\n"}
    added = {**sources, "app/new_module.py": b""}
    assert len({key, bundle.input_key(lock, edited), bundle.input_key(lock, added)}) == 3


def test_a_stale_or_failed_build_never_leaves_old_app_code_reachable(tmp_path, monkeypatch):
    vendor_dir = tmp_path / "assets" / "vendor"
    vendor_dir.mkdir(parents=True)
    monkeypatch.setattr(bundle, "VENDOR", vendor_dir)
    runtime = vendor_dir / "runtime.mjs"
    runtime.write_text("// the previous build")
    (vendor_dir / "build.json").write_text('{"key": "from before app/ changed"}')
    assert bundle.current() is None  # the recorded build is not the sources' one

    def fail(*a, **kw):
        raise bundle.BundleError("cannot compile app/x.py, line 1: invalid syntax")

    monkeypatch.setattr(bundle, "_link_runtime", fail)
    with pytest.raises(bundle.BundleError):
        bundle.build()
    assert not runtime.exists()  # the page now says it cannot start, instead of running old code


def test_vendor_lock_records_the_reproducible_bytecode():
    lock = vendor.load_lock()
    rec = lock["bytecode"]
    assert rec["recipe"] == bundle.RECIPE
    assert len(rec["stdlib"]) == 64 and len(rec["wheels"]) == 64


def test_shipped_page_names_no_other_host():
    shipped = [ROOT / "index.html", ROOT / "pyscript.toml", ROOT / "assets" / "boot.js", ROOT / "assets" / "app.css"]
    import re
    for f in shipped:
        hosts = set(re.findall(r"https?://([^/\"' )]+)", f.read_text())) - {"mail.example.com"}
        assert not hosts, (f, hosts)
    assert json.loads((ROOT / "assets" / "vendor.lock.json").read_text())["npm"]
