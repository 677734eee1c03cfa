"""The browser tests run once more only when Chromium's renderer died, never
for any other failure. Checked with pytest's own test runner on small test
files whose failures carry the exact words Playwright uses (seen when a
renderer process was killed: "Page.wait_for_selector: Target crashed", and
"Page.goto: Page crashed" when the dead page is used again)."""
from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]

CONFTEST = """
import pytest
from tests.e2e.conftest import RENDERER_CRASHED

def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=RENDERER_CRASHED))
"""

TESTS = """
import itertools

class Error(Exception):  # stands in for playwright's Error: only the text matters
    pass

boots = itertools.count()
gotos = itertools.count()
crashes = itertools.count()

def test_crash_then_fine():
    if next(boots) == 0:
        raise Error('Page.wait_for_selector: Target crashed \\nCall log:\\n  - waiting for locator("html")')

def test_dead_page_then_fine():
    if next(gotos) == 0:
        raise Error("Page.goto: Page crashed")

def test_always_crashes():
    next(crashes)
    raise Error("Page.wait_for_selector: Target crashed")

def test_wrong_text_is_not_rerun():
    assert "Signed in as alice" == "Signed out"

def test_timeout_is_not_rerun():
    raise Error("Page.wait_for_selector: Timeout 20000ms exceeded.")
"""


def test_only_a_renderer_crash_is_run_again(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_pages=TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 2, result.stdout.str()
    assert outcomes.get("failed") == 3, result.stdout.str()
    # two crashed tests ran again once each; the crash that repeats ran twice and failed
    assert outcomes.get("rerun") == 3, result.stdout.str()
    result.stdout.fnmatch_lines(["*test_always_crashes*", "*test_wrong_text_is_not_rerun*",
                                 "*test_timeout_is_not_rerun*"])


def test_the_rule_holds_on_parallel_workers(pytester, monkeypatch):
    """tools/test.sh runs the browser tests on pytest-xdist workers: a test whose
    renderer died runs again on its own worker, and the count is the same."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the workers import tests.e2e.conftest
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_pages=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    outcomes = result.parseoutcomes()
    result.stdout.fnmatch_lines(["*created: 2/2 workers*"])  # (really on two workers)
    assert outcomes.get("passed") == 2, result.stdout.str()
    assert outcomes.get("failed") == 3, result.stdout.str()
    assert outcomes.get("rerun") == 3, result.stdout.str()
    result.stdout.fnmatch_lines(["*test_always_crashes*", "*test_wrong_text_is_not_rerun*",
                                 "*test_timeout_is_not_rerun*"])
