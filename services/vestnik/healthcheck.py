"""The container's health check: ``python -m vestnik.healthcheck`` exits 0 when the
process in this container is live, 1 when not.

One image runs every vestnik service, so this asks the ports a vestnik process serves its
``/healthz`` on, in order: a worker's probe server (``VESTNIK_METRICS_PORT``), then the
API (``VESTNIK_API_PORT``); the first that accepts a connection answers for the container.
Only the standard library is imported: it runs every few seconds.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def ports() -> list[str]:
    return [port for port in (os.environ.get("VESTNIK_METRICS_PORT"),
                              os.environ.get("VESTNIK_API_PORT", "8000")) if port]


def main() -> int:
    for port in ports():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as got:
                return 0 if got.status == 200 else 1
        except urllib.error.HTTPError as exc:  # it answered: not live
            print(f"vestnik healthcheck: port {port} answered {exc.code}", file=sys.stderr)
            return 1
        except OSError:  # nothing listens there: the next port
            continue
    print(f"vestnik healthcheck: nothing answers on ports {', '.join(ports())}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
