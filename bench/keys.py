"""How long one key check takes under CPython, per sample file.

    .venv/bin/python -m bench.keys [FILE ...] [--repeat 20]

Prints the median milliseconds of ``app.keys.check_key`` for each file
(default: the samples in bench/samples), after ``warm_up`` so the lazily
imported parsers are not counted. The page's own numbers (Pyodide, in the
browser) come from ``bench.run``; these are for comparing changes to the
checker itself.
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

from app.keys import check_key, warm_up  # noqa: E402

SAMPLES = [ROOT / "bench" / "samples" / n for n in ("rsa4096.asc", "ed25519.asc", "rsa2048-cert.pem")]


def bench_keys(paths=(), repeat: int = 20) -> dict[str, float]:
    """Median milliseconds per ``check_key`` for each file."""
    out = {}
    for path in [Path(p) for p in paths] or SAMPLES:
        data = path.read_bytes()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            check_key(data)
            times.append((time.perf_counter() - t0) * 1000)
        out[path.name] = round(statistics.median(times), 2)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    warm_up()
    for name, ms in bench_keys(args.files, args.repeat).items():
        print(f"{name:24} {ms:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
