"""Deployments: the nightly refresh on a schedule, training on demand from the Prefect UI.

`bbcopilot server` starts a local Prefect server and serves these from one long-lived process
(`serve_deployments`); against a server of your own:

    PREFECT_API_URL=http://127.0.0.1:4200/api .venv/bin/python -m deployments.serve --profile demo

`nightly-refresh` runs the refresh every night at 02:00 in the given time zone (incremental: each
stage's artefact is cached by its inputs, so only what changed is rebuilt); `train` and `pipeline`
have no schedule: start them from the UI ("Run" -> "Custom run"), whose form is the flow's typed
parameters (flows/parameters.py). `serve` runs every flow run in a subprocess of this process and
ignores work pools; deployments/prefect.yaml declares the same deployments for `prefect deploy --all`,
with the refresh in a CPU process pool and training in a GPU one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prefect import serve
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL, temporary_settings

from bbcopilot.errors import BBCopilotError
from bbcopilot.serving import stop_process
from flows.pipeline import pipeline
from flows.refresh import refresh
from flows.train import train

NIGHTLY = "0 2 * * *"
TIME_ZONE = "Europe/Moscow"
SERVER_START_S = 180  # a fresh PREFECT_HOME migrates its database first: ~20-30 s on a small machine


def deployments(profile: str = "demo", cron: str = NIGHTLY, timezone: str = TIME_ZONE) -> list[RunnerDeployment]:
    """The served deployments; each run's parameters default to `profile`'s settings."""
    parameters = {"parameters": {"profile": profile}}
    # By module path: a run imports `flows.train` wherever the server was started (the package is installed).
    common = {"parameters": parameters, "entrypoint_type": EntrypointType.MODULE_PATH}
    return [
        refresh.to_deployment(name="nightly-refresh", schedule=Cron(cron, timezone=timezone),
                              tags=["bbcopilot", "nightly"], **common),
        train.to_deployment(name="train", tags=["bbcopilot", "gpu"], **common),
        pipeline.to_deployment(name="pipeline", tags=["bbcopilot", "gpu"], **common),
    ]


def _port_taken(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.TransportError:
        return False
    return True


def start_server(port: int, log: Path) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:port, its output in `log`; returns once /api/health answers.

    Its state is PREFECT_HOME's (SQLite there by default; PostgreSQL when
    PREFECT_API_DATABASE_CONNECTION_URL is set), so a restart finds every deployment and run.
    """
    if _port_taken(port):
        raise BBCopilotError(f"127.0.0.1:{port}: the port is in use (another Prefect server?); choose one with --port")
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false")}
    env.pop("PREFECT_API_URL", None)  # the server's own setting; it is the API
    # The UI's pages call this address; by default they call port 4200 whatever --port says.
    env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        # A session of its own: the terminal's Ctrl-C reaches this process, which stops the server last.
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BBCopilotError(f"prefect server exited with {server.returncode} while starting; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    stop_server(server)
    raise BBCopilotError(f"prefect server on 127.0.0.1:{port} did not answer within {SERVER_START_S} s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM (uvicorn finishes its requests and closes the database), SIGKILL after 30 s."""
    stop_process(server)


def serve_deployments(api_url: str, profile: str = "demo", timezone: str = TIME_ZONE) -> None:
    """Register the deployments with the server at `api_url` and run their flow runs until Ctrl-C."""
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        # The schedules stay as they are: the server stops with this process, nothing runs meanwhile.
        serve(*deployments(profile, timezone=timezone), pause_on_shutdown=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo", help="Profile the deployments run with.")
    parser.add_argument("--cron", default=NIGHTLY, help="Schedule of the refresh (cron).")
    parser.add_argument("--timezone", default=TIME_ZONE, help="Time zone of the refresh's schedule (IANA name).")
    args = parser.parse_args()
    serve(*deployments(args.profile, args.cron, args.timezone))


if __name__ == "__main__":
    main()
