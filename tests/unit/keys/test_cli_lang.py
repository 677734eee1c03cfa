"""python -m app.keys --lang: the offline checker speaks every language of the page."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app import i18n

ROOT = Path(__file__).resolve().parents[3]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "app.keys", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_german_report(corpus):
    res = cli("--lang", "de", corpus["ed25519.asc"], corpus["rsa1024.asc"])
    assert res.returncode == 1
    out = res.stdout
    assert "ANGENOMMEN" in out and "ABGELEHNT" in out and "Fingerabdruck:" in out
    assert "Fehler: " in out and "mindestens 2048" in out
    assert "ACCEPTED" not in out and "error:" not in out


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_every_language_of_the_page(code, corpus):
    res = cli("--lang", code, corpus["ed25519.asc"])
    assert res.returncode == 0, res.stderr
    assert i18n.t("cli.accepted", code) in res.stdout
    assert i18n.t("cli.fingerprint", code) + ":" in res.stdout


def test_locale_spellings_and_unknown_language(corpus):
    assert cli("--lang", "pt_BR", corpus["ed25519.asc"]).returncode == 0
    res = cli("--lang", "xx", corpus["ed25519.asc"])
    assert res.returncode == 2 and "unknown language" in res.stderr and "pt-BR" in res.stderr


def test_json_keeps_english_and_adds_the_language(corpus):
    res = cli("--json", "--lang", "de", corpus["rsa1024.asc"])
    out = json.loads(res.stdout)[0]
    assert out["messages"]["lang"] == "de"
    assert out["errors"] and all(isinstance(m, str) for m in out["errors"])
    assert any("2048" in m and "requires" in m for m in out["errors"])
    assert any("2048" in m and "verlangt" in m for m in out["messages"]["errors"])
    assert len(out["messages"]["errors"]) == len(out["errors"])
