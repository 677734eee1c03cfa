"""bench/checkup.py runs and prints one number per script size."""
from bench import checkup as bench


def test_prints_one_number_per_case(capsys):
    assert bench.main(["--repeat", "1"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.endswith(" ms")]
    assert [line.split()[0] for line in lines] == ["typical", "100KiB", "1MiB"]
    assert all(float(line.split()[1]) >= 0 for line in lines)
