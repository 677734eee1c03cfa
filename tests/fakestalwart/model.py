"""State of the fake server: accounts, credentials, keys, permission sets.

Everything here is plain data that tests may read and mutate directly
(`srv.accounts["alice@example.com"].password = ...`). Secrets are kept in
clear text: this is a test peer, not a credential store.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Optional

# --- Stalwart ids (docs/stalwart-contract.md §2.1) ----------------------------------

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz792013"
SINGLETON = "singleton"


def encode_id(n: int) -> str:
    """Stalwart's base32 id: most significant digit first, 0 -> 'a'."""
    if n == 0:
        return "a"
    out = []
    while n:
        out.append(ID_ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(out))


def decode_id(s: str) -> Optional[int]:
    if not isinstance(s, str) or not s or len(s) > 13:
        return None
    n = 0
    for ch in s:
        i = ID_ALPHABET.find(ch)
        if i < 0:
            return None
        n = n * 32 + i
    return n if n < 2**64 else None


def b32custom_encode(data: bytes) -> str:
    """RFC 4648 bit packing with Stalwart's alphabet and no padding."""
    bits = int.from_bytes(data, "big")
    nbits = len(data) * 8
    pad = (-nbits) % 5
    bits <<= pad
    nbits += pad
    return "".join(ID_ALPHABET[(bits >> (nbits - 5 * (i + 1))) & 31] for i in range(nbits // 5))


def b32custom_decode(s: str) -> Optional[bytes]:
    bits = 0
    for ch in s:
        i = ID_ALPHABET.find(ch)
        if i < 0:
            return None
        bits = (bits << 5) | i
    nbits = len(s) * 5
    nbytes = nbits // 8
    extra = nbits - nbytes * 8
    if extra >= 5:  # not a length any byte string encodes to
        return None
    bits >>= extra
    return bits.to_bytes(nbytes, "big")


def utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def fmt_utc(t: Optional[_dt.datetime]) -> Optional[str]:
    return None if t is None else t.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(s: str) -> Optional[_dt.datetime]:
    """UTCDateTime as the registry writes it (also accepts offsets and fractions)."""
    if not isinstance(s, str) or len(s) < 20:
        return None
    try:
        t = _dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return t.astimezone(_dt.timezone.utc).replace(microsecond=0)


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- permissions ------------------------------------------------------------

def _obj_perms(obj: str, ops=("Get", "Query", "Create", "Update", "Destroy")) -> list[str]:
    return [f"sys{obj}{op}" for op in ops]


# Permissions of the default "user" role that this fake knows about (§2.5).
# Only the sys* names matter to the self-service methods; the protocol ones
# are a representative subset so the list looks like the real thing.
USER_PERMISSIONS_016: list[str] = (
    ["authenticate", "authenticateWithAlias", "interactAi"]
    + ["jmapEmailGet", "jmapEmailSet", "jmapEmailQuery", "jmapMailboxGet", "jmapMailboxSet",
       "jmapIdentityGet", "jmapIdentitySet", "jmapEmailSubmissionSet", "jmapCoreEcho",
       "jmapEmailSubmissionCreate", "jmapBlobGet", "jmapVacationResponseGet",
       "jmapVacationResponseCreate", "jmapVacationResponseUpdate", "jmapVacationResponseDestroy",
       "jmapSieveScriptGet", "jmapSieveScriptQuery", "jmapSieveScriptCreate", "jmapSieveScriptUpdate",
       "jmapSieveScriptDestroy", "jmapSieveScriptValidate",
       "imapAuthenticate", "imapSelect", "imapFetch", "imapAppend",
       "pop3Authenticate", "pop3Retr", "calendarRead", "davPropFind",
       "emailSend", "emailReceive", "sieveAuthenticate", "sieveListScripts"]
    + _obj_perms("AccountSettings", ("Get", "Update"))
    + _obj_perms("PublicKey")
    + _obj_perms("MaskedEmail")
    + _obj_perms("ArchivedItem")
    + _obj_perms("AccountPassword", ("Get", "Update"))
    + _obj_perms("ApiKey")
    + _obj_perms("AppPassword")
    + _obj_perms("SpamTrainingSample", ("Get", "Query", "Update", "Destroy"))
)

# Names accepted in `permissions` maps of app passwords / API keys: the user
# set plus the admin ones a user may try (and be refused) to grant.
KNOWN_PERMISSIONS_016: set[str] = set(USER_PERMISSIONS_016) | set(
    _obj_perms("Account") + _obj_perms("Domain") + _obj_perms("Http", ("Get", "Update"))
    + ["impersonate", "fetchAnyBlob", "unlimitedRequests", "unlimitedUploads"]
)

EXPIRED_PASSWORD_PERMISSIONS = {"authenticate", "authenticateWithAlias", "sysAccountPasswordGet",
                                "sysAccountPasswordUpdate", "emailReceive"}

LIMITED_REMOVED_016 = set(
    _obj_perms("AppPassword") + _obj_perms("ApiKey") + _obj_perms("PublicKey") + ["sysAccountSettingsUpdate"]
)

USER_PERMISSIONS_LEGACY: list[str] = [
    "authenticate", "authenticate-oauth", "email-send", "email-receive",
    "manage-passwords", "manage-encryption", "imap-authenticate", "pop3-authenticate",
    "jmap-email-get", "jmap-email-set", "sieve-authenticate",
    "jmap-identity-get", "jmap-email-submission-set", "jmap-blob-get", "jmap-sieve-script-get",
    "jmap-sieve-script-set", "jmap-sieve-script-query", "jmap-sieve-script-validate",
    "jmap-vacation-response-get", "jmap-vacation-response-set",
]
LIMITED_REMOVED_LEGACY = {"manage-encryption", "manage-passwords"}


# --- objects ----------------------------------------------------------------

@dataclass
class Credential:
    """A 0.16 secondary credential (x:AppPassword or x:ApiKey)."""
    id: int                       # credential id, JMAP id = encode_id(id)
    kind: str                     # "app_password" | "api_key"
    description: str
    secret_hash: str              # sha256 of the random bytes only (§2.8)
    created_at: _dt.datetime
    expires_at: Optional[_dt.datetime] = None
    permissions: dict = field(default_factory=lambda: {"@type": "Inherit"})
    allowed_ips: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "description": self.description,
            "secret": "****",
            "createdAt": fmt_utc(self.created_at),
            "expiresAt": fmt_utc(self.expires_at),
            "permissions": self.permissions,
            "allowedIps": self.allowed_ips,
            "id": encode_id(self.id),
        }

    def verify(self, random_bytes: bytes) -> bool:
        return hmac.compare_digest(self.secret_hash, _hash(random_bytes))


@dataclass
class PublicKey:
    id: int
    key: str                      # trimmed text + "\n"
    kind: str                     # "pgp" | "smime"
    description: str
    created_at: _dt.datetime
    expires_at: Optional[_dt.datetime] = None
    email_addresses: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "description": self.description,
            "createdAt": fmt_utc(self.created_at),
            "expiresAt": fmt_utc(self.expires_at),
            "emailAddresses": self.email_addresses,
            "id": encode_id(self.id),
        }


@dataclass
class SieveScript:
    """A Sieve script (§7.2). The one named ``vacation`` is VacationResponse's
    (§7.4): ``vacation`` then holds its fields and ``text`` the script the
    server wrote from them."""
    id: int                       # document id, JMAP id = encode_id(id)
    name: str
    text: bytes
    vacation: Optional[dict] = None


@dataclass
class Account:
    """One user. Fields used by both generations unless marked.

    * password: clear text on 0.16 (verified by equality); on legacy the
      stored secret string as the client sent it (plain or a crypt hash).
      None means the account has no Password credential.
    * otp_url: stored verbatim (never validated on save, §2.7).
    * app_passwords: 0.16 -> {credential id: Credential};
      legacy -> list of stored strings "$app$<name>$<password>".
    * api_keys: 0.16 only, {credential id: Credential}.
    * public_keys: 0.16 only, {object id: PublicKey}.
    * encryption: 0.16 -> the encryptionAtRest JSON object;
      legacy -> {"type":"disabled"} or {"type","algo","certs":[pem...],"kind",
      "allow_spam_training"}.
    * permissions: effective role permissions (camelCase on 0.16, kebab on legacy).
    * login: what the user signs in with: the email address on 0.16, the
      principal name (``alice``) on legacy, where an address is refused
      (seen on 0.15.5). ``email`` is the address on both.
    """
    login: str
    id: int
    password: Optional[str]
    permissions: set
    directory: str = "internal"          # "internal" | "ldap"
    otp_url: Optional[str] = None
    otp_secret: Optional[str] = None     # convenience for tests; not used by the server
    app_passwords: object = None
    api_keys: dict = field(default_factory=dict)
    public_keys: dict = field(default_factory=dict)
    encryption: dict = field(default_factory=lambda: {"@type": "Disabled"})
    password_expires_at: Optional[_dt.datetime] = None
    credential_version: int = 0
    next_credential_id: int = 1          # 0 ("a") is the password credential
    description: Optional[str] = None
    locale: str = "en_US"                # seen on 0.16.18
    time_zone: Optional[str] = None
    email: str = ""
    changes: int = 13                    # 0.16 query state ("n" at start, like 0.16.18)
    aliases: list = field(default_factory=list)   # more addresses (identities), besides ``email``
    scripts: dict = field(default_factory=dict)   # Sieve scripts: document id -> SieveScript
    active_script: Optional[int] = None            # the one active script's document id (§7.2)
    sieve_changes: int = 0                         # SieveScript/VacationResponse state
    blobs: dict = field(default_factory=dict)      # uploaded blobs: blob id -> bytes

    def __post_init__(self):
        if not self.email:
            self.email = self.login if "@" in self.login else f"{self.login}@example.com"

    def changed(self) -> None:
        """A credential was created, changed or removed (moves queryState)."""
        self.changes += 1

    @property
    def jmap_id(self) -> str:
        return encode_id(self.id)

    def password_expired(self) -> bool:
        return self.password_expires_at is not None and self.password_expires_at <= utc_now()


# Fixed 20-byte TOTP secret of totp@example.com (32 base32 chars, no padding).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOTP_URL = ("otpauth://totp/Stalwart:totp%40example.com?secret=" + TOTP_SECRET
            + "&issuer=Stalwart&algorithm=SHA1&digits=6&period=30")

# Legacy servers sign in by principal name (seen on 0.15.5): the same users,
# known there as alice, totp, ldap and limited.
PRINCIPALS = {
    "alice@example.com": "alice",
    "totp@example.com": "totp",
    "ldap@example.com": "ldap",
    "limited@example.com": "limited",
}

DEMO_PASSWORDS = {
    "alice@example.com": "correct horse battery staple",
    "totp@example.com": "totp account password 42",
    "ldap@example.com": "ldap directory password 7",
    "limited@example.com": "limited rights password 9",
    "expired@example.com": "overdue lantern 31 password",
}


def login_for(generation: str, email: str) -> str:
    """The login a demo user types on this generation (legacy: principal name)."""
    return PRINCIPALS.get(email, email.split("@")[0]) if generation == "legacy" else email


class Accounts(dict):
    """login -> Account. Sign-in looks logins up exactly (``get``); tests may
    also index by email address on legacy (``accounts["alice@example.com"]``),
    which only reads state and never signs anyone in."""

    def __missing__(self, key):
        for acct in self.values():
            if acct.email == key:
                return acct
        raise KeyError(key)


def default_accounts(generation: str) -> "Accounts":
    legacy = generation == "legacy"
    full = set(USER_PERMISSIONS_LEGACY if legacy else USER_PERMISSIONS_016)
    removed = LIMITED_REMOVED_LEGACY if legacy else LIMITED_REMOVED_016
    enc = {"type": "disabled"} if legacy else {"@type": "Disabled"}

    def mk(email, n, **kw):
        return Account(login=login_for(generation, email), id=n, password=DEMO_PASSWORDS[email],
                       app_passwords=[] if legacy else {}, encryption=dict(enc), email=email,
                       locale="en" if legacy else "en_US", **kw)

    accts = [
        mk("alice@example.com", 1, permissions=set(full)),
        mk("totp@example.com", 2, permissions=set(full), otp_url=TOTP_URL, otp_secret=TOTP_SECRET),
        mk("ldap@example.com", 3, permissions=set(full), directory="ldap"),
        mk("limited@example.com", 4, permissions=full - removed),
    ]
    # The demo's filters, so a new user sees both states: alice has a harmless
    # filter, totp a forwarding rule to an outside address and an auto-reply.
    add_script(accts[0], "Newsletters", DEMO_FILTER, active=True)
    add_script(accts[1], "Forward everything", DEMO_FORWARD, active=True)
    set_vacation(accts[2], {"isEnabled": True, "subject": "On leave",
                            "textBody": "I am on leave until further notice."})
    if not legacy:
        # 0.16: a password past its expiresAt; signing in with it cuts the rights
        # down to changing it (access_token.rs).
        accts.append(mk("expired@example.com", 5, permissions=set(full),
                        password_expires_at=utc_now() - _dt.timedelta(days=1)))
    return Accounts((a.login, a) for a in accts)


DEMO_FILTER = (b'require ["fileinto"];\r\n'
               b'# Newsletters go to their own folder.\r\n'
               b'if header :contains "List-Id" "newsletter" {\r\n'
               b'    fileinto "Newsletters";\r\n'
               b'}\r\n')
DEMO_FORWARD = (b'require ["copy", "vacation"];\r\n'
                b'redirect :copy "collector@elsewhere.example";\r\n'
                b'vacation :days 1 :subject "Out of office" "I am away and read no mail.";\r\n')


def add_script(acct: Account, name: str, text, active: bool = False,
               vacation: Optional[dict] = None) -> SieveScript:
    """Store a Sieve script (test data; the server would have compiled it)."""
    n = max(acct.scripts, default=0) + 1
    sc = SieveScript(n, name, text.encode() if isinstance(text, str) else bytes(text), vacation)
    acct.scripts[n] = sc
    if active:
        acct.active_script = n
    acct.sieve_changes += 1
    return sc


def new_random(n: int) -> bytes:
    return os.urandom(n)


def make_app_password_secret(cred_id: int, legacy_space: bool = False) -> tuple[str, bytes]:
    rnd = new_random(18)
    body = b32custom_encode(cred_id.to_bytes(4, "big") + rnd)
    return ("app " if legacy_space else "app_") + body, rnd


def make_api_key_secret(account_id: int, cred_id: int) -> tuple[str, bytes]:
    rnd = new_random(20)
    raw = account_id.to_bytes(4, "big") + cred_id.to_bytes(4, "big") + rnd
    return "API_" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), rnd


def parse_app_password(secret: str) -> Optional[tuple[int, bytes]]:
    """`app?<base32>` (§2.8): returns (credential id, random bytes) or None."""
    if len(secret) < 5 or not secret.startswith("app"):
        return None
    raw = b32custom_decode(secret[4:])
    if raw is None or len(raw) != 22:
        return None
    return int.from_bytes(raw[:4], "big"), raw[4:]


def parse_api_key(token: str) -> Optional[tuple[int, int, bytes]]:
    if not token.startswith("API_"):
        return None
    body = token[4:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 28:
        return None
    return int.from_bytes(raw[:4], "big"), int.from_bytes(raw[4:8], "big"), raw[8:]


def hash_random(rnd: bytes) -> str:
    return _hash(rnd)


VACATION_FIELDS = ("fromDate", "toDate", "subject", "textBody", "htmlBody")


def vacation_script(fields: dict) -> bytes:
    """The script 0.16.18/0.15.5 write for a VacationResponse (§7.4, ``build_script``;
    the MIME body is simplified: text/plain only, or the HTML part as it is)."""
    out = b'require ["vacation", "relational", "date"];\r\n\r\n'
    blocks = 0
    for key, op in (("fromDate", "ge"), ("toDate", "le")):
        if fields.get(key):
            out += b'if currentdate :value "%s" "iso8601" "%s" {\r\n' % (op.encode(), fields[key].encode())
            blocks += 1
    out += b"vacation :mime "
    if fields.get("subject"):
        subj = fields["subject"].replace("\r", "").replace("\n", "")
        out += b':subject "' + subj.replace("\\", "\\\\").replace('"', '\\"').encode() + b'" '
    if fields.get("htmlBody") and not fields.get("textBody"):
        body = "Content-Type: text/html; charset=utf-8\r\n\r\n" + fields["htmlBody"]
    else:
        body = "Content-Type: text/plain; charset=utf-8\r\n\r\n" + (fields.get("textBody") or "I am away.")
    out += b'"' + body.replace("\\", "\\\\").replace('"', '\\"').encode() + b'";\r\n'
    return out + b"}\r\n" * blocks


def set_vacation(acct: Account, fields: dict) -> SieveScript:
    """Write the ``vacation`` script from VacationResponse fields (``isEnabled``
    makes it the active script, or stops it being one)."""
    sc = next((s for s in acct.scripts.values() if s.name.lower() == "vacation"), None)
    data = dict(sc.vacation or {}) if sc else {}
    data.update({k: v for k, v in fields.items() if k in VACATION_FIELDS})
    if sc is None:
        sc = add_script(acct, "vacation", b"", vacation=data)
    sc.vacation = data
    sc.text = vacation_script(data)
    if "isEnabled" in fields:
        if fields["isEnabled"]:
            acct.active_script = sc.id
        elif acct.active_script == sc.id:
            acct.active_script = None
    acct.sieve_changes += 1
    return sc
