"""Put the pinned browser runtime under assets/vendor/, checked against the lock,
and build the page's bytecode bundle from it (tools/bundle.py).

    python3 -m tools.vendor            # fetch what is missing, verify, build if stale
    python3 -m tools.vendor --check    # verify the fetched files only; exit 1 if any is off
    python3 -m tools.vendor --relock   # maintainers: rewrite hashes after a version bump

Sources are the ordinary clients only: `npm pack` for the Pyodide core and
@pyscript/core, `pip download` for pure-Python wheels. Every fetched file is
listed in assets/vendor.lock.json with its sha256; a mismatch stops with one
sentence naming the file. The lock also records the digests of the stdlib and
wheel bytecode, which the vendored Pyodide compiles reproducibly from those
files. Re-running with nothing to do only hashes files (well under a second).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "assets" / "vendor.lock.json"
VENDOR = ROOT / "assets" / "vendor"


class VendorError(Exception):
    """One sentence: what went wrong, with which file, and what to do."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_lock() -> dict:
    try:
        return json.loads(LOCK.read_text())
    except (OSError, ValueError) as e:
        raise VendorError(f"cannot read {LOCK.relative_to(ROOT)} ({e}); restore it from git.")


def expected_files(lock: dict) -> dict[Path, str]:
    """Every vendored file and its sha256 (empty string = not yet locked)."""
    out: dict[Path, str] = {}
    for pkg in lock["npm"]:
        for name, digest in pkg["files"].items():
            out[VENDOR / pkg["dest"] / name] = digest
    for whl in lock["wheels"]:
        out[VENDOR / "wheels" / whl["file"]] = whl["sha256"]
    return out


def bad_files(lock: dict) -> list[tuple[Path, str]]:
    """Files missing or not matching the lock, with the reason."""
    bad = []
    for path, digest in expected_files(lock).items():
        if not path.is_file():
            bad.append((path, "missing"))
        elif digest and sha256(path) != digest:
            bad.append((path, "sha256 mismatch"))
    return bad


def run(cmd: list[str], cwd: Path, what: str) -> None:
    tool = cmd[0]
    if shutil.which(tool) is None and not Path(tool).exists():
        raise VendorError(f"`{tool}` is not installed; install it (e.g. `apt-get install npm`) "
                          f"and run `python3 -m tools.vendor` again.")
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise VendorError(f"downloading {what} failed ({last[0]}); check the network or "
                          f"registry settings and run `python3 -m tools.vendor` again.")


def fetch_npm(pkg: dict, tmp: Path) -> None:
    spec = f"{pkg['name']}@{pkg['version']}"
    run(["npm", "pack", "--silent", spec], tmp, spec)
    tgz = next(tmp.glob("*.tgz"))
    dest = VENDOR / pkg["dest"]
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tgz) as tar:
        for name in pkg["files"]:
            member = tar.getmember(f"package/{pkg['src']}{name}")
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            (dest / name).write_bytes(data)
    tgz.unlink()


def fetch_wheels(wheels: list[dict], tmp: Path, relock: bool) -> None:
    dest = VENDOR / "wheels"
    dest.mkdir(parents=True, exist_ok=True)
    req = tmp / "requirements.txt"
    lines = []
    for w in wheels:
        line = f"{w['name']}=={w['version']}"
        if w["sha256"] and not relock:
            line += f" --hash=sha256:{w['sha256']}"
        lines.append(line)
    req.write_text("\n".join(lines) + "\n")
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
           "--only-binary=:all:", "--dest", str(tmp / "dl"), "-r", str(req)]
    if not relock:
        cmd.insert(-2, "--require-hashes")
    run(cmd, tmp, "the page's Python wheels")
    for w in wheels:
        src = tmp / "dl" / w["file"]
        if not src.is_file():
            raise VendorError(f"pip did not produce {w['file']}; check the name and version in "
                              f"{LOCK.relative_to(ROOT)}.")
        shutil.copyfile(src, dest / w["file"])


def build(lock: dict, quiet: bool) -> None:
    """The bytecode bundle the page runs (a fast no-op when app/ did not change)."""
    from tools import bundle, bytecode
    try:
        bundle.build(quiet=quiet, lock=lock)
    except (bundle.BundleError, bytecode.BytecodeError) as e:
        raise VendorError(str(e)) from None


def vendor(relock: bool = False, quiet: bool = False) -> int:
    lock = load_lock()
    todo = bad_files(lock)
    if relock:
        todo = [(p, "relock") for p in expected_files(lock)]
    if not todo:
        if not quiet:
            print(f"vendor: {len(expected_files(lock))} files up to date in assets/vendor/")
        build(lock, quiet)
        return 0
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        need = {p for p, _ in todo}
        for pkg in lock["npm"]:
            if relock or any((VENDOR / pkg["dest"] / n) in need for n in pkg["files"]):
                fetch_npm(pkg, tmp)
        if relock or any((VENDOR / "wheels" / w["file"]) in need for w in lock["wheels"]):
            fetch_wheels(lock["wheels"], tmp, relock)
    if relock:
        for pkg in lock["npm"]:
            for name in pkg["files"]:
                pkg["files"][name] = sha256(VENDOR / pkg["dest"] / name)
        for w in lock["wheels"]:
            w["sha256"] = sha256(VENDOR / "wheels" / w["file"])
        from tools import bundle
        lock = bundle.record_reproducible(lock)
        LOCK.write_text(json.dumps(lock, indent=1) + "\n")
    for path, _ in bad_files(lock):
        path.unlink(missing_ok=True)  # never leave an unverified file to be served
        raise VendorError(f"{path.relative_to(ROOT)} does not match the sha256 in "
                          f"{LOCK.relative_to(ROOT)}; the registry served something else, so it "
                          f"was deleted: check the version pinned there, or run with --relock "
                          f"if you changed it on purpose.")
    if not quiet:
        print(f"vendor: fetched and verified {len(todo)} files into assets/vendor/")
    build(lock, quiet)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tools.vendor", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify only, download nothing")
    ap.add_argument("--relock", action="store_true", help="re-download and rewrite the hashes")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    try:
        if a.check:
            bad = bad_files(load_lock())
            for path, why in bad:
                print(f"vendor: {path.relative_to(ROOT)}: {why}", file=sys.stderr)
            return 1 if bad else 0
        return vendor(relock=a.relock, quiet=a.quiet)
    except VendorError as e:
        print(f"vendor: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
