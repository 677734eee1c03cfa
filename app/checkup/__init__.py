"""The security checkup: what an intruder may have left behind in an account.

Pure functions (no ``js``, CPython-tested) over what the account layer reads:

    from app import checkup
    filters = await app.stalwart.sieve.read_filters(conn)   # scripts, auto-reply, addresses
    result = checkup.run(account.state, filters)             # Checkup: findings, most urgent first
    for f in result.findings:
        say(f.key, f.params)          # message "checkup.<kind>" (cannot_check.<area>, script_unreadable.<reason>)
        offer(f.fixes)                # FixAction + subject + access (may these credentials do it?)

``findings`` has the ranking and its reasons; ``sieve`` reads a filter with
sievelib (loaded only here: in the page it comes in its own archive, see
``app.lazy``); ``addresses`` decides what is the user's own domain.
"""
from __future__ import annotations

from app.checkup.findings import (CREDENTIAL_EXPIRY_WARNING_DAYS, KEY_EXPIRY_WARNING_DAYS, ORDER, Checkup,
                                  Finding, Fix, Subject, key_expiry_of, rank, run)
from app.checkup.kinds import Area, FindingKind, FixAction, Risk, Scope, Sends, SubjectKind, Unreadable
from app.checkup.sieve import FilterReport, Target, read_filter

__all__ = ["run", "rank", "Checkup", "Finding", "Fix", "Subject", "Target", "FilterReport", "read_filter",
           "key_expiry_of", "ORDER", "Risk", "FindingKind", "FixAction", "Area", "Scope", "Sends",
           "SubjectKind", "Unreadable", "CREDENTIAL_EXPIRY_WARNING_DAYS", "KEY_EXPIRY_WARNING_DAYS"]
