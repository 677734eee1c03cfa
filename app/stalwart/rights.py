"""What a set of permissions means for the page (pure, but for ``probe``).

* An expired password (Stalwart 0.16, ``access_token.rs`` ``assert_is_valid``):
  a sign-in with the password, or an OAuth token, keeps only
  ``EXPIRED_PASSWORD_PERMISSIONS`` until the password is changed; app
  passwords and API keys keep their own rights.
* Limits on an app password or API key ("Disable"/"Replace" permissions):
  one that may still create or update app passwords or API keys
  (``CREDENTIAL_RIGHTS``) could, before 0.16.15, make a credential with the
  account's full rights ("Scoped credentials with SysApiKeyCreate or
  SysApiKeyUpdate permissions can regain its own account's full rights",
  fixed in 0.16.15). The page's own limit ("block changes to account
  security", ``v016.SECURITY_PERMISSIONS``) takes those rights away, so
  it holds on every version.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

EXPIRED_PASSWORD_PERMISSIONS = frozenset({
    "authenticate", "authenticateWithAlias", "sysAccountPasswordGet", "sysAccountPasswordUpdate",
    "emailReceive"})
CREDENTIAL_RIGHTS = ("sysAppPasswordCreate", "sysAppPasswordUpdate", "sysApiKeyCreate",
                     "sysApiKeyUpdate")


def password_expired(permissions: Optional[Iterable[str]]) -> Optional[bool]:
    """Do these effective permissions (``GET /api/account``) show the expired-
    password cut? True when they allow changing the password and nothing
    beyond the cut; None when they are unknown."""
    if permissions is None:
        return None
    perms = frozenset(permissions)
    return "sysAccountPasswordUpdate" in perms and perms <= EXPIRED_PASSWORD_PERMISSIONS


def keeps_credential_rights(patch: Mapping[str, Any]) -> bool:
    """Does a credential with this ``permissions`` value (Inherit, Disable or
    Replace) keep a right to create or update app passwords or API keys?"""
    kind = patch.get("@type")
    listed = {p for p, on in (patch.get("permissions") or {}).items() if on}
    if kind == "Disable":
        return any(r not in listed for r in CREDENTIAL_RIGHTS)
    if kind == "Replace":
        return any(r in listed for r in CREDENTIAL_RIGHTS)
    return True


def limit_can_be_undone(patch: Mapping[str, Any], limits_hold: Optional[bool]) -> bool:
    """Can whoever holds a credential limited by ``patch`` undo the limit?
    Only a real limit (Disable/Replace) that keeps a credential right, on a
    server known to be before 0.16.15 (``limits_hold is False``; the page
    says nothing it does not know)."""
    return patch.get("@type") in ("Disable", "Replace") and keeps_credential_rights(patch) and \
        limits_hold is False


# A settings update no 0.16 server applies: "#…" in publicKey names a creation id
# of this request, and there is none. 0.16.15+ resolve publicKey references
# before the call runs (id-typed property list, commit ce944c43): the call fails
# with invalidResultReference. 0.16.0-0.16.14 keep "#…" a string: forbidden
# (no right to update settings) or invalidPatch (not an id). Either way nothing
# changes, whatever the credential may do.
PROBE_CALL = ("x:AccountSettings/set",
              {"update": {"singleton": {"encryptionAtRest": {
                  "@type": "Aes256", "publicKey": "#limits-probe", "encryptOnAppend": False,
                  "allowSpamTraining": False}}}},
              "probe")


async def probe(conn: Any) -> Optional[bool]:
    """One request to a 0.16 server: True when it is 0.16.15 or later (limits
    hold), False when earlier, None when the answer says neither (or the
    server is 0.11-0.15, where credentials carry no limits)."""
    from app import jmap
    if conn.generation != "0.16":
        return None
    r = await jmap.post(conn.session, conn.authorization(), conn.fetch, [PROBE_CALL])
    err = r.error("probe")
    if err is not None:
        if err.error_type == "invalidResultReference":
            return True
        return False if err.error_type == "forbidden" else None
    res = jmap.parse_set(r.get("probe"))
    return False if "singleton" in res.not_updated else None


__all__ = ["EXPIRED_PASSWORD_PERMISSIONS", "CREDENTIAL_RIGHTS", "password_expired",
           "keeps_credential_rights", "limit_can_be_undone", "probe", "PROBE_CALL"]
