"""``Message``: what a message box (or the panel on the sign-in card) says.

A message is painted under the button that caused it; its first line is the
headline, said once in the page's status line. ``claims`` are the facts it
states about the account: whenever the page shows a newer state, a message
whose claims that state contradicts is taken down (the green "encryption is
on" must not stay under "encryption is off")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from app.stalwart import state as S
from app.ui.views.say import Say

OK, WARN, ERROR, INFO = "ok", "warn", "error", "info"

# Offers: the buttons a message carries (the painter gives each its handler).
RETRY = "retry"            # the form still holds what was typed: send it again
CHECK = "check"            # read the account again and say it is current
REVIEW_APP_PASSWORDS = "review:app-passwords"   # links to a section, to look at what survived
REVIEW_API_KEYS = "review:api-keys"
REVIEW_TWO_FACTOR = "review:two-factor"
FINISH_UPLOAD = "finish_upload"    # a half-done upload: use the uploaded key…
REMOVE_UPLOAD = "remove_upload"    # …or remove it
REVIEWS = {REVIEW_APP_PASSWORDS: "ui.review.app_passwords", REVIEW_API_KEYS: "ui.review.api_keys",
           REVIEW_TWO_FACTOR: "ui.review.two_factor"}

# Claims: (fact, value) pairs a message states about the account now.
TWO_FACTOR_ON = "two_factor_on"          # bool
ENCRYPTION_ON = "encryption_on"          # bool
KEY_IN_USE = "key_in_use"                # a stored key's id
APP_PASSWORD_GONE = "app_password_gone"  # an id
API_KEY_GONE = "api_key_gone"
KEY_GONE = "key_gone"
APP_PASSWORDS_NONE = "app_passwords_none"  # True: "every app password was removed"


@dataclass(frozen=True)
class Message:
    tone: str                                   # OK | WARN | ERROR | INFO
    lines: tuple[Say, ...]                      # the first one is the headline
    lists: tuple[tuple[Say, tuple[Say, ...]], ...] = ()  # a heading and its items
    server_text: Optional[str] = None           # the server's own words, shown apart
    offers: tuple[str, ...] = ()
    claims: tuple[tuple[str, Any], ...] = ()

    @property
    def headline(self) -> Optional[Say]:
        return self.lines[0] if self.lines else None

    def says(self) -> list[Say]:
        """Every sentence in it, in reading order (tests)."""
        out = list(self.lines)
        for head, items in self.lists:
            out += [head, *items]
        return out


def contradicts(claims: tuple[tuple[str, Any], ...], st: Optional[S.SecurityState]) -> bool:
    """True when ``st`` shows one of ``claims`` is no longer (or never was) so.
    A fact the state does not know (could not be read) contradicts nothing."""
    if st is None:
        return False
    for fact, value in claims:
        if fact == TWO_FACTOR_ON:
            now = st.two_factor.enabled
            if now is not None and now != value:
                return True
        elif fact == ENCRYPTION_ON:
            now = st.encryption.enabled
            if now is not None and now != value:
                return True
        elif fact == KEY_IN_USE:
            s = st.encryption.settings
            if s is not None and (not s.enabled or s.public_key != value):
                return True
        elif fact in (APP_PASSWORD_GONE, API_KEY_GONE, KEY_GONE):
            items = {APP_PASSWORD_GONE: st.app_passwords.items, API_KEY_GONE: st.api_keys.items,
                     KEY_GONE: st.encryption.keys}[fact]
            if items is not None and any(i.id == value for i in items):
                return True
        elif fact == APP_PASSWORDS_NONE:
            if st.app_passwords.count:
                return True
    return False


__all__ = ["Message", "contradicts", "OK", "WARN", "ERROR", "INFO", "RETRY", "CHECK",
           "REVIEW_APP_PASSWORDS", "REVIEW_API_KEYS", "REVIEW_TWO_FACTOR", "REVIEWS",
           "FINISH_UPLOAD", "REMOVE_UPLOAD"]
