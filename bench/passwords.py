"""How long one password strength check takes under CPython (the page runs it on
every keystroke, so it must stay well below a frame budget of typing).

    .venv/bin/python -m bench.passwords [--repeat 20]

Prints the median milliseconds of ``app.passwords.assess`` for a few
passwords, with the user's own name and address as extra inputs, after one
warm-up call that loads zxcvbn's dictionaries.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.passwords import assess, user_inputs_for  # noqa: E402

SAMPLES = ["password", "correct horse battery staple", "kj4#Lp9!x2Qm-Vb7&Ze3", "x" * 100]


def bench_passwords(repeat: int = 20) -> dict[str, float]:
    inputs = user_inputs_for("jdoe@example.com")
    assess(SAMPLES[0], inputs)  # load the dictionaries
    out = {}
    for pw in SAMPLES:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            assess(pw, inputs)
            times.append((time.perf_counter() - t0) * 1000)
        out[f"{len(pw)} chars"] = round(statistics.median(times), 2)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    for name, ms in bench_passwords(args.repeat).items():
        print(f"{name:12} {ms:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
