"""app.warm: the heavy libraries load in small steps, each an ordinary import."""
import subprocess
import sys
from pathlib import Path

from app import keys, warm

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_steps_cover_the_key_parsers_qr_and_password_strength():
    out = run("""
import sys
from app import warm
steps = warm.steps()
for step in steps:
    step()
print(len(steps), all(m in sys.modules for m in
      ["asn1crypto.cms", "asn1crypto.x509", "ecdsa", "app.keys.smime", "qrcode.image.svg", "zxcvbn"]))
""")
    assert out == f"{len(keys.WARM_UP) + 1 + len(warm.LATER) + len(warm.BEFORE_PACKAGE)} True"


def test_a_submodule_run_first_is_the_one_its_package_uses():
    out = run("""
import sys
from app import warm
warm.submodule_first("zxcvbn.frequency_lists")
first = sys.modules["zxcvbn.frequency_lists"]
print("zxcvbn" in sys.modules, end=" ")
import zxcvbn
from zxcvbn import matching
print(matching.FREQUENCY_LISTS is first.FREQUENCY_LISTS, zxcvbn.zxcvbn("correct horse battery staple")["score"])
""")
    assert out == "False True 4"


def test_submodule_first_is_a_no_op_once_the_package_is_imported():
    out = run("""
import sys, zxcvbn
from app import warm
before = sys.modules["zxcvbn.frequency_lists"]
warm.submodule_first("zxcvbn.frequency_lists")
print(sys.modules["zxcvbn.frequency_lists"] is before)
""")
    assert out == "True"
