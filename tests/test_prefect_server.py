"""The flows against a real `prefect server` on 127.0.0.1: run by the CLI, and as served deployments."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bbcopilot.serving import free_port
from conftest import wait_until_up

BIN = Path(sys.executable).parent
DOCUMENTS = ["Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Std/Mod/Log.odc", "Text/Mod/Models.odc"]


def poll(read, done, seconds: float):
    """Call `read` until `done(value)` or `seconds` pass, and return the last value: the test then
    asserts exactly the condition it waited for (under load a server answers later, never less)."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(1)
        value = read()
    return value


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_until_up(f"{api}/health", 90)
        yield api, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_refresh_runs_against_a_real_server_and_publishes_its_report(prefect_server, blackbox_dir, tmp_path):
    api, env = prefect_server
    source = tmp_path / "blackbox"
    for relpath in DOCUMENTS:
        (source / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, source / relpath)
    result = subprocess.run(
        [str(BIN / "bbcopilot"), "run", "--flow", "refresh", "--set", f"workspace={tmp_path / 'ws'}",
         "--set", f"sources.blackbox_dir={source}", "--set", "sources.telegram_exports=[]",
         "--set", "model.tiny_vocab_size=600"],
        env={**env, "PREFECT_API_URL": api}, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = Path(result.stdout.strip().splitlines()[-1])
    assert report.is_file() and "datasets/chunks" in report.read_text()

    runs = httpx.post(f"{api}/flow_runs/filter", json={"limit": 10}).json()
    assert [(r["name"] != "", r["state"]["type"]) for r in runs] == [(True, "COMPLETED")]
    artifacts = httpx.post(f"{api}/artifacts/filter", json={"limit": 10}).json()
    assert any(a["key"] == "bbcopilot-refresh-report" and "datasets/documents" in a["data"] for a in artifacts)
    # Task runs reach the server as events, recorded after the flow has returned: wait for them.
    stages = {"convert_corpus", "build_documents", "build_chunks"}
    task_runs = poll(lambda: httpx.post(f"{api}/task_runs/filter", json={"limit": 200}).json(),
                     lambda runs: stages <= {t["name"].rsplit("-", 1)[0] for t in runs}, 120)
    assert stages <= {t["name"].rsplit("-", 1)[0] for t in task_runs}
    assert f"documents {len(DOCUMENTS)}, failed 0" in report.read_text()


def test_served_deployments_run_with_parameters_from_the_server(prefect_server, blackbox_dir, tmp_path):
    """What the UI's "Custom run" does: a deployment of `deployments.serve` run with parameters."""
    api, env = prefect_server
    env = {**env, "PREFECT_API_URL": api}
    source = tmp_path / "blackbox"
    for relpath in DOCUMENTS[:2]:
        (source / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, source / relpath)
    server = subprocess.Popen(
        [sys.executable, "-m", "deployments.serve", "--profile", "demo"], env=env, cwd=Path(__file__).parent.parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        # serve registers its deployments one by one: wait for all three (or for serve to die)
        served = {"refresh-demo", "train-demo", "pipeline-demo"}
        deployments = poll(lambda: httpx.post(f"{api}/deployments/filter", json={"limit": 20}).json(),
                           lambda found: served <= {d["name"] for d in found} or server.poll() is not None, 180)
        assert served <= {d["name"] for d in deployments}, f"serve exited with {server.poll()}"
        nightly = next(d for d in deployments if d["name"] == "refresh-demo")
        assert nightly["schedules"][0]["schedule"]["cron"] == "0 2 * * *"

        overrides = {"workspace": str(tmp_path / "ws"), "sources.blackbox_dir": str(source),
                     "sources.telegram_exports": [], "sources.forum_mirror_dir": None, "model.tiny_vocab_size": 600}
        run = subprocess.run(
            [sys.executable, "-c", (
                "import json, sys; from prefect.deployments import run_deployment; "
                "r = run_deployment('refresh/refresh-demo', parameters={'profile': 'demo', 'overrides': json.loads(sys.argv[1])}, "
                "timeout=240, poll_interval=1); print(r.state.type.value)"
            ), json.dumps(overrides)],
            env=env, capture_output=True, text=True, timeout=300,
        )
        assert run.stdout.strip().splitlines()[-1] == "COMPLETED", run.stderr[-2000:]
        assert (tmp_path / "ws" / "datasets" / "chunks" / "LATEST").is_file()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
