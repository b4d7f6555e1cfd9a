"""A local model behind a real OpenAI-compatible server on 127.0.0.1 (`bbcopilot.server`).

QA generation with no endpoint configured talks to the base model through this, so the offline demo
takes the same path (HTTP, JSON, concurrency, retries) as a run against vLLM or a hosted model.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bbcopilot.errors import InputError

log = logging.getLogger(__name__)
START_TIMEOUT_S = 120.0
# The API key `bbcopilot serve` (bbcopilot.server) requires when set; read from the environment so
# that it is never on a command line (visible to every user) nor in a log.
API_KEY_VARIABLE = "BBCOPILOT_SERVE_API_KEY"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def served_model(model_path: str, device: str = "cpu", port: int | None = None) -> Iterator[str]:
    """Serve `model_path` with `bbcopilot.server` (it honours `response_format`, which `transformers
    serve` ignores) for the `with` block; yields the API's base URL (`http://127.0.0.1:PORT/v1`).
    The server's output goes to the log at debug level."""
    port = port or free_port()
    command = [sys.executable, "-m", "bbcopilot.server", model_path,
               "--host", "127.0.0.1", "--port", str(port), "--device", device]
    # A file, not a pipe: the server logs every request, and a full pipe would stall it.
    output = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
    # On loopback for this process alone: no API key, whatever the environment holds for `bbcopilot serve`.
    environment = {name: value for name, value in os.environ.items() if name != API_KEY_VARIABLE}
    server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(f"{base_url}/models"):
            if server.poll() is not None:
                raise InputError(model_path, f"the model server exited with {server.returncode}: {_tail(output)}")
            if time.monotonic() > deadline:
                raise InputError(model_path, f"the model server did not answer within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.5)
        log.info("serving %s at %s", model_path, base_url)
        yield base_url
    finally:
        stop_process(server)
        log.debug("the model server said: %s", _tail(output))
        output.close()


def stop_process(process: subprocess.Popen, grace_s: float = 30) -> None:
    """SIGTERM (a server finishes its requests and closes what it holds), SIGKILL after `grace_s`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(output, chars: int = 2000) -> str:
    output.seek(0)
    return output.read()[-chars:]
