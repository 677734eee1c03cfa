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
