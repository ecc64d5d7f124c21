"""Serving the API with uvicorn, for ``vestnik api`` and ``vestnik demo --serve``.

The socket is bound (and listening) before anything is printed, so the address a caller
reads is already accepting connections; port 0 takes a free port and the address says
which. uvicorn stops on SIGINT (Ctrl-C) and SIGTERM, then raises the signal again for
whoever handled it before: here that ends ``serve`` normally, so the process exits 0.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType

import uvicorn

from vestnik.api.app import create_app
from vestnik.api.reader import IndexReader
from vestnik.logs import configure_logging
from vestnik.settings import Settings


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (``OSError`` when it is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


def address(sock: socket.socket) -> str:
    """``http://host:port/`` of a listening socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(settings: Settings, sock: socket.socket) -> None:
    """Serve the API over ``settings.index_url`` on ``sock`` until SIGINT or SIGTERM."""
    configure_logging(settings)
    app = create_app(settings, reader=IndexReader(settings.index_url))
    config = uvicorn.Config(app, log_config=None, log_level=settings.log_level.lower(),
                            lifespan="on", server_header=False)
    with _stops_quietly():
        uvicorn.Server(config).run(sockets=[sock])


class _Stopped(Exception):
    """SIGTERM, raised again by uvicorn once it has shut down."""


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


@contextlib.contextmanager
def _stops_quietly() -> Iterator[None]:
    """SIGINT and SIGTERM, once uvicorn has handled them, end the block without an error."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are the main thread's
        return
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        yield
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
