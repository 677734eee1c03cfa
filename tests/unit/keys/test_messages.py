"""Every message id used is in MESSAGES, formats cleanly, and says what to do."""
import re
import string
from pathlib import Path

from app.keys import MESSAGES
from app.keys.messages import issue

PKG = Path(__file__).resolve().parents[3] / "app" / "keys"


def test_every_used_key_is_catalogued():
    used = set()
    for path in PKG.glob("*.py"):
        used |= set(re.findall(r'"(keys\.[a-z0-9_]+)"', path.read_text()))
    assert used <= set(MESSAGES), used - set(MESSAGES)
    assert set(MESSAGES) <= used, set(MESSAGES) - used


def test_templates_format_with_their_own_fields():
    for key, template in MESSAGES.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        text = issue(key, **{f: "X" for f in fields}).message
        assert "{" not in text and text.endswith("."), key
