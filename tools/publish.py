"""Make the folder to host: only what the page loads, and print its size.

    python3 -m tools.publish DIR [--server URL]... [--config FILE]

* Brings the vendored runtime and the page's bundle up to date first (the
  vendor step; a no-op when nothing changed).
* Copies exactly the files ``serve.py`` serves (``serve.page_files``: what the
  build lists for the service worker, the worker, that list): index.html,
  pyscript.toml, app/main.py, manifest.webmanifest, sw.js, the CSS, icons and
  boot script, and the current runtime folder ``assets/vendor/rt-<hash>/``.
  Nothing else: no vendor inputs (``assets/vendor/pyodide/``, wheels, the
  lock, build records), no older archives, no stray files, no sources.
* ``config.json`` only when asked: ``--server URL`` (repeatable) or
  ``--config FILE`` (checked with the page's own rules first). Without it the
  page runs in open mode (users type any https server).
* DIR must be absent, empty, or an earlier publish (it then holds
  ``index.html`` and ``assets/vendor/bundle.js``): its content is replaced in
  one step (a new folder is written next to it, then swapped in).

Exit status 0 on success, 1 when the runtime cannot be prepared or DIR cannot
be written, 2 on a bad argument or config.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import serve
from app.origins import ConfigError, OriginError, parse_config, parse_origin

ROOT = serve.ROOT
CONFIG = serve.CONFIG_NAME


class PublishError(Exception):
    """One sentence: what is wrong and what to do."""


def publish_list(config: bool) -> list[str]:
    """The site-relative files the hosted folder holds (config.json last, when given)."""
    files = sorted(serve.page_files(ROOT))
    if not files or "index.html" not in files:
        raise PublishError("there is no page build in assets/vendor/; run `python3 -m tools.vendor` first.")
    return [*files, CONFIG] if config else files


def manifest_for(files: list[str]) -> bytes:
    """The service worker's list as the hosted folder needs it: exactly its
    files (config.json in it only when it is published; the worker fails to
    install when a listed file is missing). Same version: the runtime checks it."""
    m = serve.read_manifest((ROOT / serve.MANIFEST).read_text(encoding="utf-8"))
    listed = [f for f in m["files"] if f != CONFIG] + ([CONFIG] if CONFIG in files else [])
    m = {**m, "files": listed, "immutable": [f for f in m.get("immutable", []) if f in listed]}
    return ("// Written by `python3 -m tools.publish` for this folder (from the build's list); read by sw.js.\n"
            "self.BUNDLE = " + json.dumps(m, indent=1) + ";\n").encode()


def config_text(servers: list[str], config: Path | None) -> bytes | None:
    if servers:
        return (json.dumps({"servers": list(dict.fromkeys(parse_origin(s) for s in servers))}, indent=2)
                + "\n").encode()
    if config is not None:
        try:
            data = config.read_bytes()
        except OSError as e:
            raise ConfigError(f"cannot be read ({e.strerror or type(e).__name__})") from None
        return (json.dumps({"servers": list(parse_config(data))}, indent=2) + "\n").encode()
    return None


def _earlier_publish(dest: Path) -> bool:
    return (dest / "index.html").is_file() and (dest / serve.MANIFEST).is_file()


def sent_size(path: Path) -> int:
    """About what a first visit transfers for a file: its brotli copy when the
    build made one (what browsers take over HTTPS), else gzip-compressed when
    the servers compress its type (serve.py, and the README's examples)."""
    br = path.with_name(path.name + ".br")
    if br.is_file():
        return br.stat().st_size
    data = path.read_bytes()
    return len(gzip.compress(data, 6)) if path.suffix in serve.GZIP_TYPES else len(data)


def write(dest: Path, files: list[str], config: bytes | None) -> tuple[int, int]:
    """Write the folder; its size in bytes, and about what a first visit transfers."""
    dest = dest.absolute()
    if dest.exists() and not dest.is_dir():
        raise PublishError(f"{dest} exists and is not a folder.")
    if dest.is_dir() and any(dest.iterdir()) and not _earlier_publish(dest):
        raise PublishError(f"{dest} is not empty and is not an earlier publish; give a new or empty folder.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    total = sent = 0
    try:
        for rel in files:
            target = new / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel == CONFIG:
                target.write_bytes(config)
            elif rel == serve.MANIFEST:
                target.write_bytes(manifest_for(files))
            else:
                try:
                    source = serve.locate(ROOT, rel)  # the same checks as serving it
                except serve.Refused:
                    raise PublishError(f"{rel} is listed by the build but missing; run "
                                       f"`python3 -m tools.vendor` again.") from None
                shutil.copyfile(source, target)
                # the build's compressed copies (X.br, X.gz) go along: the web
                # server sends them (gzip_static, precompressed), since the
                # archives themselves are stored uncompressed
                for ext, _ in serve.PRECOMPRESSED:
                    copy = source.with_name(source.name + ext)
                    if copy.is_file():
                        shutil.copyfile(copy, target.with_name(target.name + ext))
                        os.chmod(target.with_name(target.name + ext), 0o644)
                        total += copy.stat().st_size
            os.chmod(target, 0o644)
            total += target.stat().st_size
            sent += sent_size(target)
        for d in [new, *(p for p in new.rglob("*") if p.is_dir())]:
            os.chmod(d, 0o755)
        if dest.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
            os.rename(dest, old / "x")
            os.rename(new, dest)
            shutil.rmtree(old)
        else:
            os.rename(new, dest)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return total, sent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tools.publish", description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path, metavar="DIR", help="the folder to host (absent, empty, or an earlier publish)")
    ap.add_argument("--server", action="append", default=[], metavar="URL",
                    help="a mail server the page may talk to, as https://host[:port] (repeatable; writes config.json)")
    ap.add_argument("--config", type=Path, metavar="FILE", help="a config.json to publish (checked first)")
    ap.add_argument("--no-vendor", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.server and a.config:
        print("publish: give --server or --config, not both", file=sys.stderr)
        return 2
    try:
        config = config_text(a.server, a.config)
    except OriginError as e:
        print(f"publish: --server {next(s for s in a.server if not _ok(s))!r} {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"publish: {a.config} {e}", file=sys.stderr)
        return 2
    if not a.no_vendor:
        from tools import vendor
        if vendor.main(["--quiet"]) != 0:
            return 1
    try:
        files = publish_list(config is not None)
        total, sent = write(a.dest, files, config)
    except (PublishError, OSError) as e:
        print(f"publish: {e}", file=sys.stderr)
        return 1
    mode = ("servers: " + ", ".join(json.loads(config)["servers"])) if config else \
        "no config.json: open mode, users type any https server"
    print(f"publish: {a.dest}: {len(files)} files, {total / 1e6:.1f} MB, about {sent / 1e6:.1f} MB "
          f"sent with gzip on a first visit ({mode})")
    return 0


def _ok(server: str) -> bool:
    try:
        parse_origin(server)
        return True
    except OriginError:
        return False


if __name__ == "__main__":
    sys.exit(main())
