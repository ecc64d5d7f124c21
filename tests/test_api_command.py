"""`vestnik api` as a person runs it: the address it prints answers, Ctrl-C stops it with
exit code 0, a port already taken is one line saying so."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from .api_support import printed_address

VESTNIK = [sys.executable, "-m", "vestnik.cli"]


def _env(**more: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")} | more


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_api_serves_on_the_printed_address_unready_without_an_index_and_stops_on_ctrl_c(
        tmp_path: Path) -> None:
    env = _env(VESTNIK_INDEX_URL=f"sqlite:///{tmp_path}/none.sqlite3")
    api = subprocess.Popen([*VESTNIK, "api", "--port", "0"], env=env, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address, printed = printed_address(api, timeout_s=60)
        assert address, f"no address printed: {''.join(printed)}"
        assert _status(address + "healthz") == 200
        assert _status(address + "readyz") == 503
        with urllib.request.urlopen(address + "openapi.json", timeout=10) as doc:
            assert "/v1/search" in json.load(doc)["paths"]
    finally:
        api.send_signal(signal.SIGINT)
        _, stderr = api.communicate(timeout=30)
    assert api.returncode == 0, stderr
    assert not (tmp_path / "none.sqlite3").exists(), "the API created an index"


def test_api_on_a_taken_port_says_so_in_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run([*VESTNIK, "api", "--port", str(port)], env=_env(),
                              capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"vestnik: error: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "choose another with --port or VESTNIK_API_PORT"]
