"""Every message id used is in MESSAGES, formats cleanly, and says what to do."""
import re
import string
from pathlib import Path

from app.keys import bench_keys, check_key, warm_up
from app.keys.messages import issue
from app.messages.en import MESSAGES as ALL

MESSAGES = {k: v for k, v in ALL.items() if k.startswith("keys.")}

PKG = Path(__file__).resolve().parents[3] / "app" / "keys"


def test_every_used_key_is_catalogued():
    used = set()
    for path in PKG.glob("*.py"):  # (not the catalogue: it names every key)
        used |= set(re.findall(r'"(keys\.[a-z0-9_]+)"', path.read_text()))
    assert used <= set(MESSAGES), used - set(MESSAGES)
    assert set(MESSAGES) <= used, set(MESSAGES) - used


def test_templates_format_with_their_own_fields():
    for key, template in MESSAGES.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        text = issue(key, **{f: "X" for f in fields}).message
        assert "{" not in text and text.endswith("."), key


def test_bench_samples_are_fast_and_accepted():
    for name in ("rsa4096.asc", "ed25519.asc", "rsa2048-cert.pem"):
        assert check_key((PKG.parents[1] / "bench" / "samples" / name).read_bytes()).accepted
    warm_up()
    times = bench_keys(repeat=5)
    assert set(times) == {"rsa4096.asc", "ed25519.asc", "rsa2048-cert.pem"}
    assert all(ms < 100 for ms in times.values()), times
