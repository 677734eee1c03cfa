"""python -m app.keys: exit codes, --json shape, unreadable files, other cwd."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def cli(*args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "app.keys", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_all_accepted_exit_0(corpus):
    res = cli(corpus["ed25519.asc"], corpus["cert_rsa2048.pem"])
    assert res.returncode == 0, res.stderr
    assert "ACCEPTED" in res.stdout and "REFUSED" not in res.stdout


def test_any_refused_exit_1(corpus):
    res = cli(corpus["ed25519.asc"], corpus["rsa1024.asc"])
    assert res.returncode == 1
    assert "REFUSED" in res.stdout and "2048" in res.stdout


def test_usage_error_exit_2():
    assert cli().returncode == 2
    assert cli("--bogus", "x").returncode == 2


def test_json_shape(corpus):
    files = [corpus["ed25519.asc"], corpus["secret.asc"], corpus["cert_signonly.pem"]]
    res = cli("--json", "--email", "ed@example.org", *files)
    assert res.returncode == 1
    out = json.loads(res.stdout)
    assert [o["file"] for o in out] == [str(f) for f in files]
    for o in out:
        assert isinstance(o["accepted"], bool)
        assert o["kind"] in ("openpgp", "smime", None)
        assert all(isinstance(x, str) for x in o["errors"] + o["warnings"])
        assert isinstance(o["fingerprints"], list)
    assert out[0]["accepted"] and out[0]["kind"] == "openpgp" and out[0]["warnings"] == []
    assert not out[1]["accepted"] and out[1]["is_private"] and out[1]["errors"]
    assert out[2]["accepted"] and out[2]["kind"] == "smime"
    assert out[2]["warning_keys"] == ["keys.smime_no_key_encipherment", "keys.email_mismatch"]


def test_unreadable_file(corpus, tmp_path):
    res = cli("--json", tmp_path / "missing.asc", tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    out = json.loads(res.stdout)
    assert [o["accepted"] for o in out] == [False, False]
    assert all(o["errors"] and o["kind"] is None for o in out)


def test_other_cwd_with_pythonpath(corpus, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = cli("--json", corpus["rsa2048.asc"], cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)[0]["accepted"] is True


def test_stdin(corpus):
    res = subprocess.run([sys.executable, "-m", "app.keys", "-"], cwd=ROOT, capture_output=True,
                         input=corpus["ed25519.pgp"].read_bytes(), timeout=60)
    assert res.returncode == 0 and b"ACCEPTED" in res.stdout
