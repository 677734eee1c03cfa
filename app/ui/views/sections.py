"""Texts and facts the sections show besides their availability: the key in
use, its label, the state lines."""
from __future__ import annotations

import re
from typing import Optional

from app.stalwart import state as S
from app.ui.views.overview import Fingerprint


def key_in_use(st: Optional[S.SecurityState], cache: dict) -> Optional[Fingerprint]:
    """The fingerprint of the key encryption at rest uses now (the stored key,
    or on 0.11-0.15 the setting's own text), or None when it cannot be told.
    ``cache`` (per user) keeps one check per key text: the check parses the key."""
    if st is None or not st.encryption.enabled:
        return None
    enc = st.encryption
    key = enc.in_use
    text = key.key if key is not None else ((enc.settings.certs if enc.settings else "") or "")
    if not text or text.startswith("-----STALWART CERTIFICATE"):
        return None  # 0.11-0.15 send back an opaque blob once stored
    if text not in cache:
        from app.keys import check_key  # not at start: app.warm loads it after ready

        rep = check_key(text)
        cache[text] = Fingerprint(rep.fingerprints[0], "smime" if rep.kind == "smime" else "openpgp") \
            if rep.fingerprints else None
    return cache[text]


def key_id(fingerprint: str) -> str:
    """The OpenPGP key ID GnuPG shows for a fingerprint: its LAST 16 hex digits."""
    hexs = re.sub(r"[^0-9A-Fa-f]", "", fingerprint or "").upper()
    return hexs[-16:]
