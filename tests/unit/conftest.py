"""Contract servers for the unit tests (account layer and the contract server's
own tests): a fresh one per test, so no test sees another's app passwords, keys
or faults."""
from __future__ import annotations

import pytest

from tests.fakestalwart import FakeStalwart


@pytest.fixture
def srv016():
    s = FakeStalwart(generation="0.16", cors=True).start()
    yield s
    s.stop()


@pytest.fixture
def srvlegacy():
    s = FakeStalwart(generation="legacy", cors=True, legacy_version="0.15").start()
    yield s
    s.stop()


# --- single sign-on: a real OpenID provider (tests/oidc), one for the session -------------
# The provider sends users back to tests.oidc.TEST_PAGE (and to TEST_OTHER_PAGE,
# whose origin it does not allow at its token endpoint).
@pytest.fixture(scope="session")
def oidc_op():
    from tests import oidc
    why = oidc.available()
    if why:
        pytest.fail(f"the test OpenID provider cannot start: {why}")
    op = oidc.OidcProvider(redirect_uris=[oidc.TEST_PAGE + "/", oidc.TEST_OTHER_PAGE + "/"],
                           cors_origins=[oidc.TEST_PAGE], resource=oidc.TEST_RESOURCE).start()
    yield op
    op.stop()


@pytest.fixture
def srv_sso(oidc_op):
    """0.16 with an OIDC directory for @sso.example.com, its settings Stalwart's
    defaults (audience "stalwart", scopes openid and email, preferred_username)."""
    s = FakeStalwart(generation="0.16", cors=True)
    s.add_oidc_directory(oidc_op.issuer, domain="sso.example.com")
    yield s.start()
    s.stop()
