"""The checkup's vocabularies. (Enums of one area; they may move to
``app.vocab`` with the others once that module exists.)"""
from __future__ import annotations

from enum import IntEnum, StrEnum


class Risk(IntEnum):
    """How urgently the user should act. Findings sort by this first."""
    INFO = 0     # worth knowing; nothing is wrong yet
    LOW = 1      # tidy up, or something of the user's own will stop working
    MEDIUM = 2   # a way in or out that should be looked at
    HIGH = 3     # mail is leaving, or a standing way in exists


class FindingKind(StrEnum):
    """What the checkup found. The message key is ``checkup.<value>``."""
    SCRIPT_FORWARDS = "script_forwards"            # the active filter sends mail to other addresses
    SCRIPT_UNREADABLE = "script_unreadable"        # a filter this page cannot read (never "clean")
    SCRIPT_AUTO_REPLY = "script_auto_reply"        # the active filter sends auto-replies (vacation)
    AUTO_REPLY = "auto_reply"                      # the VacationResponse is on
    CREDENTIAL_UNBOUNDED = "credential_unbounded"  # full rights and never expires
    CREDENTIAL_FULL_RIGHTS = "credential_full_rights"
    CREDENTIAL_NO_EXPIRY = "credential_no_expiry"
    CREDENTIAL_SAME_NAME = "credential_same_name"  # two or more with one name
    CREDENTIAL_EXPIRING = "credential_expiring"    # within CREDENTIAL_EXPIRY_WARNING_DAYS
    CREDENTIAL_EXPIRED = "credential_expired"
    TWO_FACTOR_OFF = "two_factor_off"
    KEY_EXPIRED = "key_expired"                    # the key encryption at rest uses
    KEY_EXPIRING = "key_expiring"                  # within KEY_EXPIRY_WARNING_DAYS
    KEY_CONFIRM_PRIVATE = "key_confirm_private"    # encryption is on: do you still have the private key?
    CANNOT_CHECK = "cannot_check"                  # a part could not be read: not "clean"


class Area(StrEnum):
    """A part of the account the checkup reads (``CANNOT_CHECK`` names one)."""
    FILTERS = "filters"
    AUTO_REPLY = "auto_reply"
    APP_PASSWORDS = "app_passwords"
    API_KEYS = "api_keys"
    TWO_FACTOR = "two_factor"
    ENCRYPTION = "encryption"
    ENCRYPTION_KEY = "encryption_key"  # its expiry (0.11-0.15 never give the key back)


class SubjectKind(StrEnum):
    SCRIPT = "script"
    AUTO_REPLY = "auto_reply"
    APP_PASSWORD = "app_password"
    API_KEY = "api_key"
    TWO_FACTOR = "two_factor"
    ENCRYPTION_KEY = "encryption_key"
    AREA = "area"


class FixAction(StrEnum):
    """What the page offers to do about a finding."""
    TURN_OFF_SCRIPT = "turn_off_script"            # SieveScript/set onSuccessDeactivateScript
    TURN_OFF_AUTO_REPLY = "turn_off_auto_reply"    # VacationResponse isEnabled false
    REVOKE_APP_PASSWORD = "revoke_app_password"
    REVOKE_API_KEY = "revoke_api_key"
    TURN_ON_TWO_FACTOR = "turn_on_two_factor"
    REPLACE_KEY = "replace_key"
    TURN_OFF_ENCRYPTION = "turn_off_encryption"
    CONFIRM_PRIVATE_KEY = "confirm_private_key"    # the user says "I still have it" (nothing sent)
    ASK_ADMINISTRATOR = "ask_administrator"        # grant what is missing (``Access.permissions``)


class Sends(StrEnum):
    """How a filter makes mail leave the account."""
    REDIRECT = "redirect"          # the message goes to the address instead of here
    REDIRECT_COPY = "redirect_copy"  # redirect :copy: a copy goes, the message stays here too
    NOTIFY = "notify"              # notify :method "mailto:…": a notification message is sent


class Scope(StrEnum):
    """Where a target address is, relative to the user's own domains."""
    INSIDE = "inside"    # one of the user's domains (or a subdomain of one): still another mailbox
    OUTSIDE = "outside"
    UNKNOWN = "unknown"  # built from a variable, not an address, or the user's domains are unknown


class Unreadable(StrEnum):
    """Why a filter could not be read (``SCRIPT_UNREADABLE``'s ``reason``)."""
    SYNTAX = "syntax"                  # the parser refused it (message in ``detail``)
    TOO_LARGE = "too_large"
    NOT_TEXT = "not_text"              # not UTF-8
    NOT_DOWNLOADED = "not_downloaded"  # the server did not give its text
    INCLUDE_MISSING = "include_missing"  # it includes a script whose text the page lacks
    TOO_DEEP = "too_deep"              # includes nested beyond what the page follows
    NO_PARSER = "no_parser"            # the Sieve parser could not be loaded


__all__ = ["Risk", "FindingKind", "Area", "SubjectKind", "FixAction", "Sends", "Scope", "Unreadable"]
