"""Every key-check message id used is in the catalogue, every keys.* text is
used by app/keys, and each one fills cleanly and ends as a sentence."""
import re
from pathlib import Path

from app import i18n
from app.issues import Issue

PKG = Path(__file__).resolve().parents[3] / "app" / "keys"
MESSAGES = {k: v for k, v in i18n.catalogue("en").items() if k.startswith("keys.")}


def test_every_used_key_is_catalogued_and_every_keys_text_is_used():
    used = set()
    for path in PKG.glob("*.py"):  # the catalogue lives in app/messages, not here
        used |= set(re.findall(r'"(keys\.[a-z0-9_]+)"', path.read_text()))
    assert len(used) > 30  # the scan sees the package
    assert used <= set(MESSAGES), used - set(MESSAGES)
    assert set(MESSAGES) <= used, set(MESSAGES) - used


def test_templates_fill_with_their_own_fields():
    for key, template in MESSAGES.items():
        fields = set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template))
        text = Issue.make(key, **{f: "X" for f in fields}).message
        assert "{" not in text and text.endswith("."), key
