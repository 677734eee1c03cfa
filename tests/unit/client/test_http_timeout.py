"""Requests time out in the transport: a stalled server never leaves the
page waiting forever, and the error says so (and that retrying is fine)."""
from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from app import jmap
from app.errors import TimedOut
from app.http import DEFAULT_TIMEOUT, Response, Timeout, urllib_fetch, with_timeout
from client_fakes import run


@pytest.fixture
def stalled():
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    sock.close()


def test_default_is_thirty_seconds():
    assert DEFAULT_TIMEOUT == 30.0


def test_urllib_transport_times_out(stalled):
    t0 = time.monotonic()
    with pytest.raises(Timeout) as e:
        run(urllib_fetch("GET", stalled + "/jmap/session", {}, None, timeout=0.3))
    assert time.monotonic() - t0 < 5.0
    assert e.value.seconds == 0.3 and e.value.url.endswith("/jmap/session")


def test_with_timeout_binds_the_limit_to_the_native_transport(stalled):
    f = with_timeout(urllib_fetch, 0.3)
    with pytest.raises(Timeout):
        run(f("GET", stalled + "/", {}, None))
    assert f.timeout == 0.3 and with_timeout(f, 1.0).wrapped_fetch is urllib_fetch


def test_with_timeout_cancels_any_other_fetch():
    calls = []

    async def slow(method, url, headers, body=None):
        calls.append(url)
        await asyncio.sleep(5)
        return Response(200)
    t0 = time.monotonic()
    with pytest.raises(Timeout):
        run(with_timeout(slow, 0.2)("GET", "https://mail.example.com/x", {}, None))
    assert time.monotonic() - t0 < 5.0 and calls == ["https://mail.example.com/x"]


def test_a_timely_answer_passes():
    async def quick(method, url, headers, body=None):
        return Response(204, url=url)
    assert run(with_timeout(quick, 1.0)("GET", "https://m/x", {}, None)).status == 204


def test_send_turns_it_into_a_typed_retryable_error(stalled):
    with pytest.raises(TimedOut) as e:
        run(jmap.send(with_timeout(urllib_fetch, 0.3), "GET", stalled + "/x", {}, None,
                      "https://mail.example.com"))
    err = e.value
    assert err.retryable and err.key == "err.timeout" and err.origin == "https://mail.example.com"
    assert "0.3 seconds" in err.message
