"""The build's precompressed copies (X.br, X.gz next to X, tools/bundle.py) as
serve.py sends them, and how the build makes them."""
from __future__ import annotations

import gzip
import subprocess

import pytest

import serve
from serve_helpers import Site, get
from tools import bundle

ARCHIVE = "assets/vendor/rt-0123456789ab/app-0123456789ab.zip"
DATA = b"PK stored archive " * 4000


@pytest.fixture
def root(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html>")
    src = tmp_path / ARCHIVE
    src.parent.mkdir(parents=True)
    src.write_bytes(DATA)
    (tmp_path / (ARCHIVE + ".gz")).write_bytes(gzip.compress(DATA, 9, mtime=0))
    (tmp_path / (ARCHIVE + ".br")).write_bytes(b"brotli bytes stand-in")
    # serve.py serves only what the build lists (its service-worker manifest)
    (tmp_path / serve.MANIFEST).write_text(
        'self.BUNDLE = {"version": "t", "files": ["index.html", "%s"]};\n' % ARCHIVE)
    return tmp_path


@pytest.mark.parametrize("accept,expect", [
    ("gzip, deflate, br, zstd", "br"),        # Chromium's
    ("gzip, deflate", "gzip"),
    ("br;q=0, gzip", "gzip"),                  # refused with q=0
    ("BR", "br"),
    ("identity", None),
    ("", None),
])
def test_the_best_copy_the_client_takes(root, accept, expect):
    got = serve.precompressed(root / ARCHIVE, accept)
    assert (got[1] if got else None) == expect
    if got:
        assert got[0].name == root.joinpath(ARCHIVE).name + (".br" if expect == "br" else ".gz")


def test_a_file_without_copies_has_none(root):
    assert serve.precompressed(root / "index.html", "br, gzip") is None


def test_served_with_content_encoding_and_the_originals_dates(root):
    s = Site(root=root)
    try:
        r = get(s.port, "/" + ARCHIVE, Accept_Encoding="gzip, br")
        assert r.status == 200 and r.headers["content-encoding"] == "br"
        assert r.body == b"brotli bytes stand-in" and r.headers["content-type"] == "application/zip"
        assert r.headers["vary"] == "Accept-Encoding"
        r = get(s.port, "/" + ARCHIVE, Accept_Encoding="gzip")
        assert r.headers["content-encoding"] == "gzip" and gzip.decompress(r.body) == DATA
        r = get(s.port, "/" + ARCHIVE)  # a client that takes neither: the stored archive itself
        assert "content-encoding" not in r.headers and r.body == DATA
        lm = r.headers["last-modified"]
        assert get(s.port, "/" + ARCHIVE, Accept_Encoding="br", If_Modified_Since=lm).status == 304
    finally:
        s.stop()


def test_the_build_writes_both_copies_once_per_content(tmp_path, monkeypatch):
    monkeypatch.setattr(bundle, "CACHE", tmp_path / "cache")
    a, b = tmp_path / "a.zip", tmp_path / "b.wasm"
    a.write_bytes(DATA)
    b.write_bytes(DATA)  # same bytes: compressed once, linked twice
    bundle.precompress([a, b])
    for p in (a, b):
        assert gzip.decompress(p.with_name(p.name + ".gz").read_bytes()) == DATA
        br = p.with_name(p.name + ".br").read_bytes()
        out = subprocess.run(["node", "-e", "process.stdout.write(require('zlib').brotliDecompressSync("
                              "require('fs').readFileSync(process.argv[1])))", str(p) + ".br"],
                             capture_output=True, check=True).stdout
        assert out == DATA and len(br) < len(DATA) // 20
    assert len(list((tmp_path / "cache" / "compressed").iterdir())) == 2  # one .br, one .gz
    before = (a.with_name("a.zip.br")).stat().st_mtime_ns
    bundle.precompress([a])  # present: nothing is made again
    assert a.with_name("a.zip.br").stat().st_mtime_ns == before
