"""app.bidi: the direction controls dropped from every server string shown,
checked against Unicode's own data (``unicodedata``) as the oracle."""
import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from app import bidi

# Bidi_Control = the explicit formatting characters (their bidi classes) and
# the three implicit marks (ALM, LRM, RLM), UAX #9 table 4.
EXPLICIT = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
MARKS = {"\u061c", "\u200e", "\u200f"}


def test_the_controls_are_exactly_unicodes_bidi_controls():
    explicit = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.bidirectional(chr(c)) in EXPLICIT}
    assert len(explicit) == 9
    assert set(bidi.BIDI_CONTROLS) == explicit | MARKS
    assert len(bidi.BIDI_CONTROLS) == len(set(bidi.BIDI_CONTROLS)) == 12


def test_strip_bidi_drops_them_and_keeps_the_text():
    assert bidi.strip_bidi("invoice\u202egnp.exe") == "invoicegnp.exe"
    assert bidi.strip_bidi("4VZF\u2066-7EWU\u2069") == "4VZF-7EWU"
    assert bidi.strip_bidi("مرحبا world \u200b") == "مرحبا world \u200b"  # letters and other marks stay
    assert bidi.strip_bidi(42) == "42"


@given(st.text())
def test_strip_bidi_removes_only_controls(s):
    out = bidi.strip_bidi(s)
    assert out == "".join(c for c in s if unicodedata.bidirectional(c) not in EXPLICIT and c not in MARKS)
    assert bidi.strip_bidi(out) == out


def test_the_ui_uses_the_same_rule():
    from app.ui import text
    assert text.strip_bidi is bidi.strip_bidi and text.BIDI_CONTROLS == bidi.BIDI_CONTROLS
