"""bench/: the scripts run and print their numbers; the key samples must
be keys the checker accepts, or the numbers would time the refusal path."""
from __future__ import annotations

from bench import keys as bench


def test_samples_are_accepted_keys_of_each_kind():
    from app.keys import check_key
    kinds = {check_key(p.read_bytes()).kind for p in bench.SAMPLES if check_key(p.read_bytes()).accepted}
    assert len(bench.SAMPLES) == 3 and kinds == {"openpgp", "smime"}
    assert all(check_key(p.read_bytes()).accepted for p in bench.SAMPLES)


def test_prints_one_number_per_file(capsys, tmp_path):
    assert bench.main(["--repeat", "1", str(bench.SAMPLES[1])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].split()[0] == "ed25519.asc" and lines[0].endswith(" ms")
    assert float(lines[0].split()[1]) > 0


def test_password_bench_prints_one_number_per_sample(capsys):
    from bench import passwords as bench_pw
    assert bench_pw.main(["--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(bench_pw.SAMPLES) and all(line.endswith(" ms") for line in lines)
