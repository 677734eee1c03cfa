"""The publish step: the folder to host holds what the page loads and nothing else."""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

import serve
from tools import publish

ROOT = Path(__file__).resolve().parents[2]


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


COPIES = tuple(ext for ext, _ in serve.PRECOMPRESSED)


def with_copies(files) -> set[str]:
    """The files and the build's compressed copies of them (X.br, X.gz) that exist."""
    return set(files) | {f + ext for f in files for ext in COPIES if (ROOT / (f + ext)).is_file()}


def originals(files: set[str]) -> set[str]:
    return {f for f in files if not (f.endswith(COPIES) and f.rsplit(".", 1)[0] in files)}


def manifest(folder: Path) -> dict:
    return serve.read_manifest((folder / serve.MANIFEST).read_text())


@pytest.fixture(scope="module")
def bound(tmp_path_factory):
    dest = tmp_path_factory.mktemp("pub") / "site"
    assert publish.main([str(dest), "--server", "https://mail.example.com", "--server", "https://mx2.example.com:8443",
                         "--server", "https://mail.example.com", "--no-vendor"]) == 0
    return dest


def test_the_folder_holds_exactly_what_the_page_loads(bound):
    got = files_in(bound)
    assert got == with_copies(serve.page_files(ROOT)) | {"config.json"}
    # the archives are stored uncompressed: their compressed copies must go along
    archives = [f for f in got if f.endswith(".zip")]
    assert archives and all(f + ".br" in got and f + ".gz" in got for f in archives)
    runtime = {f.split("/")[2] for f in got if f.startswith("assets/vendor/rt-")}
    assert len(runtime) == 1  # the current runtime folder only
    current = json.loads((ROOT / "assets/vendor/build.json").read_text())["app"] \
        if (ROOT / "assets/vendor/build.json").is_file() else None
    apps = [f for f in originals(got) if "/app-" in f]
    assert len(apps) == 1 and (current is None or apps == [current])  # no older archive
    for never in ("assets/vendor/pyodide/", "assets/vendor/wheels/", "assets/vendor.lock.json",
                  "assets/vendor/build.json", "app/__init__.py", "serve.py", "tools/", "tests/", ".git"):
        assert not any(f.startswith(never) for f in got), never
    assert not any(part.startswith(".") for f in got for part in f.split("/"))


def test_every_file_is_a_copy_readable_by_the_web_server(bound):
    for rel in files_in(bound) - {"config.json", serve.MANIFEST}:
        path = bound / rel
        assert path.read_bytes() == (ROOT / rel).resolve().read_bytes(), rel
        assert stat.S_IMODE(path.stat().st_mode) == 0o644 and not path.is_symlink(), rel
    assert all(stat.S_IMODE(d.stat().st_mode) == 0o755 for d in [bound, *bound.rglob("*")] if d.is_dir())


def test_the_service_worker_lists_exactly_the_published_files(bound):
    """It fails to install when one it lists is missing: offline use would break."""
    m = manifest(bound)
    assert set(m["files"]) == originals(files_in(bound)) - {"sw.js", serve.MANIFEST}
    assert set(m["immutable"]) <= set(m["files"])
    assert m["version"] == manifest(ROOT)["version"]  # runtime.mjs names this version; it must match


def test_config_json_is_the_given_servers_in_canonical_form(bound):
    assert json.loads((bound / "config.json").read_text()) == \
        {"servers": ["https://mail.example.com", "https://mx2.example.com:8443"]}


def test_without_servers_there_is_no_config_json_and_the_worker_does_not_ask_for_one(tmp_path, capsys):
    dest = tmp_path / "open"
    assert publish.main([str(dest), "--no-vendor"]) == 0
    assert "config.json" not in files_in(dest) and "config.json" not in manifest(dest)["files"]
    out = capsys.readouterr().out
    assert out.startswith(f"publish: {dest}: {len(originals(files_in(dest)))} files, ") and " MB" in out and "open mode" in out


def test_the_manifest_follows_the_config_whatever_the_checkout_has():
    with_config = json.loads(publish.manifest_for(["index.html", "config.json"]).decode().split("= ", 1)[1].rstrip(";\n"))
    without = json.loads(publish.manifest_for(["index.html"]).decode().split("= ", 1)[1].rstrip(";\n"))
    assert with_config["files"].count("config.json") == 1 and "config.json" not in without["files"]


def test_a_config_file_is_checked_with_the_page_rules(tmp_path, capsys):
    cfg = tmp_path / "config.json"
    cfg.write_text('{"servers": ["http://mail.example.com"]}')
    assert publish.main([str(tmp_path / "x"), "--config", str(cfg), "--no-vendor"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "only for this computer" in err[0]
    assert not (tmp_path / "x").exists()
    cfg.write_text('{"servers": ["https://mail.example.com"]}')
    assert publish.main([str(tmp_path / "y"), "--config", str(cfg), "--no-vendor"]) == 0
    assert json.loads((tmp_path / "y/config.json").read_text()) == {"servers": ["https://mail.example.com"]}


@pytest.mark.parametrize("args", [["--server", "https://mail.example.com/"], ["--server", "http://evillocalhost"],
                                  ["--server", "https://a.example", "--config", "c.json"]])
def test_bad_arguments_stop_before_anything_is_written(tmp_path, capsys, args):
    assert publish.main([str(tmp_path / "x"), *args, "--no-vendor"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1 and not (tmp_path / "x").exists()


def test_a_folder_that_is_not_an_earlier_publish_is_left_alone(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    assert publish.main([str(tmp_path / "mine"), "--no-vendor"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert files_in(tmp_path / "mine") == {"notes.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # nothing left next to it


def test_an_earlier_publish_is_replaced_whole(tmp_path):
    dest = tmp_path / "site"
    assert publish.main([str(dest), "--server", "https://mail.example.com", "--no-vendor"]) == 0
    (dest / "assets/app.css.bak").write_text("stray")
    assert publish.main([str(dest), "--no-vendor"]) == 0
    assert files_in(dest) == with_copies(serve.page_files(ROOT))  # the stray file and config.json are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
