"""The checkup's Sieve parser travels in an archive of its own (tools/bundle.py
LAZY): not at start, not in lib, and it works inside the page's runtime with
the trimmed stdlib once app.lazy has fetched and mounted it (the fetch reads
the same site-relative path from the repository here)."""
from __future__ import annotations

import zipfile

from tests.build.test_bundle import ROOT, built, run_in_bundle  # noqa: F401 - the fixture

CODE = r'''
import json
from app import _archives, lazy
before = lazy.available("sieve")
asked = []

async def from_repo(path):  # the page fetches the same site-relative path
    asked.append(path)
    with open("/repo/" + path, "rb") as f:
        return f.read()

lazy._fetch = from_repo
ok = await lazy.ensure("sieve")
again = await lazy.ensure("sieve")
from app.checkup import read_filter
rep = read_filter("f", {"f": 'require "copy"; redirect :copy "x@evil.example";'}, frozenset({"example.com"}))
bad = read_filter("f", {"f": 'redirect "x@evil.example"'}, frozenset())
result = json.dumps({"before": before, "after": ok and again and asked == [_archives.ARCHIVES["sieve"]],
                     "targets": [t.address for t in rep.targets], "bad": str(bad.unreadable)})
'''


def test_the_sieve_parser_is_a_lazy_archive(built, tmp_path):  # noqa: F811
    names = lambda path: {n.split("/")[0].removesuffix(".pyc") for n in zipfile.ZipFile(ROOT / path).namelist()}  # noqa: E731
    assert set(built.lazy) == {"sieve"}
    assert names(built.lazy["sieve"]) == {"sievelib", "typing_extensions"}
    assert not names(built.lazy["sieve"]) & (names(built.app) | names(built.lib))
    assert built.lazy["sieve"] in built.files  # the service worker keeps it for offline use
    code = tmp_path / "code.py"
    code.write_text(CODE)
    got = run_in_bundle(built, code)
    assert got == {"before": False, "after": True, "targets": ["x@evil.example"], "bad": "syntax"}
