"""Direction controls out of text the page did not write (pure, stdlib only).

A server's words (an error text, a description, a user code, an address)
could carry Unicode's bidirectional controls, which reorder what is shown
around them: ``invoice\u202egnp.exe`` reads as ``invoiceexe.png``, a device
code or a link can be made to read as something else. ``strip_bidi`` drops
them wherever server text enters what the page shows: the UI's ``foreign``
helper and every message it builds (``app.ui.text``), and the device flow's
user code and addresses as ``app.auth`` reads them.
"""
from __future__ import annotations

import re

# Every character of Unicode's Bidi_Control property: ALM, LRM, RLM, the
# embeddings and overrides LRE..RLO, and the isolates LRI..PDI.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile("[" + BIDI_CONTROLS + "]")


def strip_bidi(text: str) -> str:
    """``text`` without direction controls (``invoice\u202egnp.exe`` stays readable)."""
    return _BIDI.sub("", str(text))


__all__ = ["BIDI_CONTROLS", "strip_bidi"]
