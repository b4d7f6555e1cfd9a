"""Shared test fixtures: where ../shared is, and a Prefect home per test session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
BLACKBOX = SHARED / "data" / "blackbox"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BBCP = SHARED / "bbcp"


def _session_prefect_home() -> None:
    # Each test session gets its own Prefect database: no state leaks between runs.
    # Set before anything imports prefect, which reads its settings once.
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="bbcopilot-prefect-")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    # The first ephemeral server migrates a fresh database: past Prefect's 20 s default wait here.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
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


@pytest.fixture(scope="session")
def build(tmp_path_factory) -> Path:
    """One build of the BlackBox toolchain per test session; skipped where it cannot run, failed in CI."""
    from bbcopilot.blackbox import build_toolchain
    from bbcopilot.blackbox.toolchain import toolchain_problem
    from bbcopilot.config import ToolchainSettings
    from bbcopilot.workspace import Workspace

    problem = toolchain_problem(BBCP)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the BlackBox toolchain: {problem}")
        pytest.skip(problem)
    return build_toolchain(Workspace(tmp_path_factory.mktemp("toolchain-ws")), ToolchainSettings(bbcp_dir=BBCP))


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


@pytest.fixture(scope="session")
def served_model(tiny_model):
    """The tiny model behind a real OpenAI-compatible server (`bbcopilot.server`); yields its /v1 URL."""
    from bbcopilot.serving import served_model as serve

    with serve(str(tiny_model), "cpu") as url:
        yield url


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


def final_task_states(flow_state, seconds: float = 120) -> dict[str, str]:
    """The final state of every task run of a finished flow run, by `<run name>#<id prefix>`.

    Task states reach the server as events a little after the flow returns: wait
    until every task run the server knows is in a final state, then read them.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_state.state_details.flow_run_id])), limit=200
            )
            if runs and all(run.state is not None and run.state.is_final() for run in runs):
                # Run names end in 3 random hex digits, which two runs of one task can share: the id tells them apart.
                return {f"{run.name}#{run.id.hex[:8]}": run.state.name for run in runs}
            if time.monotonic() > deadline:
                pytest.fail(f"task runs not final after {seconds:.0f} s: {[(r.name, r.state and r.state.name) for r in runs]}")
            time.sleep(0.5)


@pytest.fixture(scope="session")
def distribution(tmp_path_factory):
    """The API index artefact of the whole BlackBox tree in ../shared/bbcp, built once per test session."""
    from bbcopilot.api_index import build_distribution_artefact
    from bbcopilot.config import ToolchainSettings
    from bbcopilot.workspace import Workspace

    if not (BBCP / "System" / "Mod").is_dir():
        pytest.skip(f"BlackBox tree not found at {BBCP} (../shared is absent)")
    return build_distribution_artefact(Workspace(tmp_path_factory.mktemp("distribution-ws")), ToolchainSettings(bbcp_dir=BBCP))


@dataclass
class PrefectServer:
    """`bbcopilot server` on 127.0.0.1: a real Prefect server with the deployments served.

    `env` is what a client (a subprocess, `run_deployment`) runs with; the served flow runs get the
    same PREFECT_HOME. `stop()` is Ctrl-C (SIGINT to the command) and returns its exit status;
    `start()` again on the same home and port is a restart.
    """

    home: Path
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_API_URL": self.api,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}

    def start(self, seconds: float = 180) -> None:
        import httpx

        env = {key: value for key, value in self.env.items() if key != "PREFECT_API_URL"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "bbcopilot"), "server", "--port", str(self.port)],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                found = httpx.post(f"{self.api}/deployments/filter", json={"limit": 50}, timeout=2).json()
                if set(SERVED_DEPLOYMENTS) <= {d["name"] for d in found}:
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        tail = self.log.read_text(errors="replace")[-2000:]
        self.stop()
        pytest.fail(f"bbcopilot server did not serve {SERVED_DEPLOYMENTS} within {seconds:.0f} s:\n{tail}")

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            return None


SERVED_DEPLOYMENTS = ("nightly-refresh", "train", "pipeline")


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """One real Prefect server per test session (`bbcopilot server` on a free port, its own PREFECT_HOME)."""
    from bbcopilot.serving import free_port

    home = tmp_path_factory.mktemp("prefect-server-home")
    server = PrefectServer(home, free_port(), home / "bbcopilot-server.out")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def served_workspace(prefect_server, blackbox_dir, shared_dir, tmp_path_factory):
    """A workspace refreshed through the served `nightly-refresh` with typed parameters, its forum crawl
    failing once (BoardOnceMissing); the scripted QA generator stays up for training runs on it.

    {"run": the refresh's flow run, "board", "overrides" (every run's settings: workspace, sources,
    small sizes), "generator" (the QA endpoint), "workspace"}.
    """
    import shutil

    from tests.chat_server import ChatServer
    from tests.forum_server import BoardOnceMissing
    from tests.test_qa_stage import teacher

    root = tmp_path_factory.mktemp("served")
    source = root / "blackbox"
    for relpath in SERVED_DOCUMENTS:
        (source / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, source / relpath)
    with BoardOnceMissing(FIXTURES / "forum") as board, ChatServer(teacher) as generator:
        overrides = {
            "workspace": str(root / "workspace"), "sources.blackbox_dir": str(source), "sources.forum_mirror_dir": None,
            "sources.telegram_exports": [str(shared_dir / "fixtures/telegram/result.json")],
            "datasets.validation_fraction": 0.25, "datasets.test_fraction": 0.25, "model.tiny_vocab_size": 1024,
            # QA from two documents, one question kind, no evaluation suites: the path is under test.
            "qa.endpoint": generator.url, "qa.endpoint_model": "scripted-teacher", "qa.max_documents": 2,
            "qa.question_kinds": ["api"], "qa.ungrounded_rejected": False, "qa.max_new_tokens": 16,
            "train.eval_steps": 1, "eval.max_texts": 1, "eval.max_length": 64, "eval.max_prompts": 1, "eval.max_qa": 1,
            "eval.temperatures": [0.2], "eval.bench_suites": [],
        }
        run = run_served(prefect_server, "refresh/nightly-refresh", {
            "profile": "demo", "forum_max_pages": 3, "overrides": {**overrides, "sources.forum_start_url": board.url},
        })
        yield {"run": run, "board": board, "overrides": overrides, "workspace": root / "workspace"}


SERVED_DOCUMENTS = ["Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Std/Mod/Log.odc", "Std/Docu/Log.odc"]


def run_served(server: PrefectServer, name: str, parameters: dict, seconds: float = 300):
    """What the UI's "Custom run" does: a run of a served deployment with these typed parameters, awaited."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: server.api}):
        return run_deployment(name, parameters={"parameters": parameters}, timeout=seconds, poll_interval=1)
