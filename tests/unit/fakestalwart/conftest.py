"""Fixtures for the fake-server contract tests."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakehelp import ALICE, Client, basic  # noqa: E402


@pytest.fixture
def srv(srv016):  # tests/unit/conftest.py
    return srv016


@pytest.fixture
def legacy_srv(srvlegacy):
    return srvlegacy


@pytest.fixture
def alice(srv):
    return Client(srv, basic(*ALICE))
