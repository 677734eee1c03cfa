"""SecurityStates for the view-model tests: a builder for the usual accounts,
and a hypothesis strategy for any state the drivers could produce."""
from __future__ import annotations

from hypothesis import strategies as st

from app.stalwart import state as S
from app.stalwart.models import AppPassword, Encryption, PublicKey

ALL_016 = {
    "password": (S.CHANGE,), "two_factor": (S.TURN_ON, S.TURN_OFF, S.REPLACE),
    "creds": (S.CREATE, S.REVOKE),
    "encryption": (S.UPLOAD_AND_ENABLE, S.USE_KEY, S.DISABLE, S.DELETE_KEY)}


def access(status: str = S.OK, *perms: str) -> S.Access:
    return S.Access(status, tuple(perms))


def build(*, method: str = S.BY_PASSWORD, legacy: bool = False, totp: bool | None = False,
          apps: int | None = 0, keys: int | None = 0, enc: str | None = "disabled",
          refuse: tuple[str, ...] = (), pw_access: S.Access = S.ALLOWED,
          expired: bool = False, stored_keys: int = 0) -> S.SecurityState:
    """A state like the drivers build. ``refuse``: action names not permitted
    (as a limited app password or a restricted account has them)."""
    no = access(S.NOT_PERMITTED, "sysX")

    def acts(base: S.Access, *names: str) -> dict:
        return {n: (no if n in refuse else base) for n in names}

    pw = S.PasswordFeature(access=pw_access, actions=acts(pw_access, S.CHANGE),
                           code_required=totp, strength_policy="legacy" if legacy else "0.16",
                           wipes=("app_passwords", "two_factor") if legacy else (), expired=expired)
    tf = S.TwoFactorFeature(access=pw_access, enabled=totp if pw_access.ok else None,
                            actions=acts(pw_access, S.TURN_ON, S.TURN_OFF, S.REPLACE))
    items = None if apps is None else [AppPassword(f"a{i}", f"App {i}") for i in range(apps)]
    ap = S.CredentialFeature(kind="app_password", items=items,
                             access=S.ALLOWED if apps is not None else access(S.UNREADABLE),
                             actions=acts(S.ALLOWED, S.CREATE, S.REVOKE))
    if legacy:
        na = access(S.NOT_SUPPORTED)
        ak = S.CredentialFeature(kind="api_key", access=na, items=None,
                                 actions={S.CREATE: na, S.REVOKE: na})
    else:
        kitems = None if keys is None else [AppPassword(f"k{i}", f"Key {i}") for i in range(keys)]
        ak = S.CredentialFeature(kind="api_key", items=kitems,
                                 access=S.ALLOWED if keys is not None else access(S.UNREADABLE),
                                 actions=acts(S.ALLOWED, S.CREATE, S.REVOKE))
    stored = [PublicKey(f"pk{i}", f"Key {i}", "", "pgp") for i in range(stored_keys)]
    settings = None if enc is None else Encryption(
        enc, None if enc == "disabled" else "Aes256",
        stored[0].id if stored and enc != "disabled" else None)
    e = S.EncryptionFeature(
        access=S.ALLOWED, settings=settings, stores_keys=not legacy,
        keys_access=access(S.NOT_SUPPORTED) if legacy else S.ALLOWED,
        keys=None if legacy else stored,
        actions=acts(S.ALLOWED, S.UPLOAD_AND_ENABLE, S.DISABLE, S.USE_KEY, S.DELETE_KEY))
    return S.SecurityState(S.SignIn("alice@example.com", "https://mail.example.com",
                                    "Stalwart 0.11–0.15" if legacy else "Stalwart 0.16", method),
                           pw, tf, ap, ak, e)


# --------------------------------------------------------------------------- any state
STATUSES = [S.OK, S.NOT_PERMITTED, S.NOT_SUPPORTED, S.MANAGED_ELSEWHERE, S.TURNED_OFF,
            S.PASSWORD_EXPIRED, S.UNREADABLE]
accesses = st.builds(lambda s, p: S.Access(s, p), st.sampled_from(STATUSES),
                     st.sampled_from([(), ("sysAccountPasswordUpdate",), ("manage-passwords",)]))
# an action is mostly allowed, sometimes refused for any reason
action_access = st.one_of(st.just(S.ALLOWED), st.just(S.ALLOWED), accesses)
methods = st.sampled_from([S.BY_PASSWORD, S.BY_APP_PASSWORD, S.BY_API_KEY, S.BY_OAUTH])


def _actions(names):
    return st.fixed_dictionaries({n: action_access for n in names})


@st.composite
def states(draw) -> S.SecurityState:
    legacy = draw(st.booleans())
    pw_access = draw(st.one_of(st.just(S.ALLOWED), accesses))
    totp = draw(st.sampled_from([True, False, None])) if pw_access.ok else None
    pw = S.PasswordFeature(access=pw_access, actions=draw(_actions([S.CHANGE])), code_required=totp,
                           strength_policy="legacy" if legacy else "0.16",
                           wipes=("app_passwords", "two_factor") if legacy else (),
                           expired=draw(st.booleans()) if pw_access.ok else False)
    tf = S.TwoFactorFeature(access=pw_access, enabled=totp,
                            actions=draw(_actions([S.TURN_ON, S.TURN_OFF, S.REPLACE])))

    def creds(kind):
        a = draw(st.one_of(st.just(S.ALLOWED), accesses))
        n = draw(st.one_of(st.none(), st.integers(0, 3))) if a.ok else None
        items = None if n is None else [AppPassword(f"{kind}{i}", f"{kind} {i}") for i in range(n)]
        return S.CredentialFeature(access=a, kind=kind, items=items,
                                   actions=draw(_actions([S.CREATE, S.REVOKE])))

    ea = draw(st.one_of(st.just(S.ALLOWED), accesses))
    ka = draw(st.one_of(st.just(S.ALLOWED), accesses))
    keys = [PublicKey(f"pk{i}", f"Key {i}", "", draw(st.sampled_from(["pgp", "smime"])))
            for i in range(draw(st.integers(0, 3)))] if ka.ok else None
    kind = draw(st.sampled_from(["disabled", "pgp", "smime", None]))
    settings = None if kind is None or not ea.ok else Encryption(
        kind, None if kind == "disabled" else "Aes256",
        draw(st.sampled_from([k.id for k in keys or []] + [None])) if kind != "disabled" else None)
    enc = S.EncryptionFeature(access=ea, settings=settings, keys_access=ka, keys=keys,
                              stores_keys=not legacy,
                              actions=draw(_actions([S.UPLOAD_AND_ENABLE, S.USE_KEY, S.DISABLE,
                                                     S.DELETE_KEY])))
    return S.SecurityState(S.SignIn("alice", "https://mail.example.com", "x", draw(methods)),
                           pw, tf, creds("app_password"), creds("api_key"), enc)
