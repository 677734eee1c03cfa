"""How long the checkup's Sieve reader takes under CPython, per script size.

    .venv/bin/python -m bench.checkup [--repeat 5]

Prints the median milliseconds of ``app.checkup.read_filter`` for a typical
filter, one at Stalwart 0.16's size limit (100 KiB) and one at 0.15's (1 MiB),
and the size of the page's lazy Sieve archive when it is built. The numbers go
into docs/PERFORMANCE.md; tests only check that the script runs.
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

from app.checkup import read_filter  # noqa: E402

TYPICAL = '''require ["fileinto", "copy", "vacation", "enotify"];
# sort newsletters, copy invoices to the bookkeeper
if header :contains "List-Id" "newsletter" { fileinto "Newsletters"; stop; }
if allof (header :contains "subject" "invoice", address :domain "from" "supplier.example") {
    redirect :copy "books@example.com";
}
if header :is "x-priority" "1" { notify :message "urgent" "mailto:me@example.com"; }
'''
RULE = 'if header :contains "subject" "%d" { fileinto "Box%d"; }\n'


def sized(limit: int) -> str:
    out, i = [TYPICAL], 0
    while sum(map(len, out)) < limit - 64:
        out.append(RULE % (i, i))
        i += 1
    return "".join(out)


CASES = {"typical": TYPICAL, "100KiB": sized(100 * 1024), "1MiB": sized(1024 * 1024)}


def bench(repeat: int = 5) -> dict[str, float]:
    out = {}
    read_filter("warm", {"warm": TYPICAL}, frozenset({"example.com"}))  # the parser's import
    for name, text in CASES.items():
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            rep = read_filter("f", {"f": text}, frozenset({"example.com"}))
            times.append((time.perf_counter() - t0) * 1000)
        assert rep.unreadable is None, rep
        out[name] = round(statistics.median(times), 1)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.checkup", description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    for name, ms in bench(a.repeat).items():
        print(f"{name} {ms} ms")
    for z in sorted((ROOT / "assets" / "vendor").glob("rt-*/lazy-sieve-*.zip")):
        print(f"{z.name} {z.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
