"""Shared test fixtures: where ../shared is, and a Prefect home per test session."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
BLACKBOX = SHARED / "data" / "blackbox"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _session_prefect_home() -> None:
    # Each test session gets its own Prefect database: no state leaks between runs.
    # Set before anything imports prefect, which reads its settings once.
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="bbcopilot-prefect-")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


_session_prefect_home()


@pytest.fixture(scope="session")
def blackbox_dir() -> Path:
    """The real BlackBox documents in ../shared; tests that need them skip when absent."""
    if not BLACKBOX.is_dir():
        pytest.skip(f"real BlackBox documents not found at {BLACKBOX} (../shared is absent)")
    return BLACKBOX


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared not found at {SHARED}")
    return SHARED


TINY_TEXTS = [
    "MODULE ObxHello0;\n\tIMPORT StdLog;\n\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hello\"); StdLog.Ln\n\tEND Do;\n\nEND ObxHello0.\n",
    "Модуль TextModels описывает текстовые модели BlackBox. Привет, мир! Ёжик «в тумане».\n",
    "DEFINITION TextModels;\n\tTYPE Model = POINTER TO ABSTRACT RECORD (Containers.Model) END;\nEND TextModels.\n",
] * 20


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny Qwen2 model and tokenizer, saved like a hub model (built in seconds)."""
    from bbcopilot.tiny_model import build_tiny_model

    return build_tiny_model(TINY_TEXTS, tmp_path_factory.mktemp("tiny-model"), vocab_size=600)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float) -> None:
    """Poll `url` until it answers 200, or fail the test naming it."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {seconds:.0f} s")
