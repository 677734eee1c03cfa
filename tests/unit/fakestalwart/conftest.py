"""Fixtures for the fake-server contract tests."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakehelp import ALICE, Client, basic  # noqa: E402
from tests.fakestalwart import FakeStalwart  # noqa: E402


@pytest.fixture
def srv():
    s = FakeStalwart(generation="0.16", cors=True).start()
    yield s
    s.stop()


@pytest.fixture
def legacy_srv():
    s = FakeStalwart(generation="legacy", cors=True, legacy_version="0.15").start()
    yield s
    s.stop()


@pytest.fixture
def alice(srv):
    return Client(srv, basic(*ALICE))
