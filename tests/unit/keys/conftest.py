import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
import keys_corpus as _corpus  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict:
    """name -> Path of every generated key, certificate and bad input (built once)."""
    return _corpus.build(tmp_path_factory.mktemp("keys-corpus"))
