"""The deployments against a real `prefect server` on 127.0.0.1, as `bbcopilot server` serves them.

One server per session (the `prefect_server` fixture of conftest.py): the nightly refresh run with
typed parameters recovers from a failed task by Prefect's retry; `train` runs through
`run_deployment` on what it made; the server restarted on the same PREFECT_HOME still has every
deployment and run.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx
import pytest
import yaml

from conftest import FIXTURES, SERVED_DEPLOYMENTS
from scrapers.forum.mirror import NOT_FOUND, page_file
from tests.chat_server import ChatServer
from tests.forum_server import ForumServer
from tests.test_pipeline import TRAIN_OVERRIDES
from tests.test_qa_stage import teacher

DOCUMENTS = ["Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Std/Mod/Log.odc", "Std/Docu/Log.odc", "Text/Mod/Models.odc"]
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def poll(read, done, seconds: float):
    """Call `read` until `done(value)` or `seconds` pass, and return the last value: the test then
    asserts exactly the condition it waited for (under load a server answers later, never less)."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(1)
        value = read()
    return value


def run_deployment(server, name: str, parameters: dict, seconds: float = 300):
    """What the UI's "Custom run" does: a run of the served deployment with these parameters, awaited."""
    from prefect.deployments import run_deployment as run
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: server.api}):
        return run(name, parameters={"parameters": parameters}, timeout=seconds, poll_interval=1)


def task_runs(server, flow_run_id, tasks: set[str], seconds: float = 60) -> dict[str, dict]:
    """The flow run's task runs by task (function) name; they reach the server as events, after the flow
    has returned: wait for those named."""
    def read():
        found = httpx.post(f"{server.api}/task_runs/filter",
                           json={"flow_runs": {"id": {"any_": [str(flow_run_id)]}}, "limit": 200}).json()
        return {t["task_key"].rsplit("-", 1)[0]: t for t in found}
    return poll(read, lambda runs: tasks <= set(runs), seconds)


class BoardOnceMissing(ForumServer):
    """The forum whose index answers 404 to the first crawl (the board behind a proxy, restarting).

    A 404 is not retried by the crawler (a 503 would be, in the crawl itself): the crawl task fails
    ("no board page could be fetched"), and Prefect's task retry crawls again.
    """

    def __init__(self, root: Path):
        super().__init__(root)
        self.missing_answered = 0

    def handle(self, handler) -> None:
        if page_file(handler.path) == "index.html" and not self.missing_answered:
            self.missing_answered += 1
            self._record(handler, NOT_FOUND.status, "missing")
            self.send(handler, NOT_FOUND)
            return
        super().handle(handler)


@pytest.fixture(scope="module")
def refreshed(prefect_server, blackbox_dir, shared_dir, tmp_path_factory):
    """A refresh through the served `nightly-refresh`, its forum crawl failing once; then the QA teacher."""
    root = tmp_path_factory.mktemp("served")
    source = root / "blackbox"
    for relpath in DOCUMENTS:
        (source / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, source / relpath)
    overrides = {
        "workspace": str(root / "workspace"), "sources.blackbox_dir": str(source), "sources.forum_mirror_dir": None,
        "sources.telegram_exports": [str(shared_dir / "fixtures/telegram/result.json")],
        **{key: value for key, value in TRAIN_OVERRIDES.items() if not key.startswith(("train.", "eval."))},
    }
    with BoardOnceMissing(FIXTURES / "forum") as board, ChatServer(teacher) as generator:
        started = time.monotonic()
        run = run_deployment(prefect_server, "refresh/nightly-refresh", {
            "profile": "demo", "forum_max_pages": 3,
            "overrides": {**overrides, "sources.forum_start_url": board.url},
        })
        seconds = time.monotonic() - started
        yield {"run": run, "board": board, "overrides": overrides, "generator": generator.url, "seconds": seconds,
               "workspace": root / "workspace"}


def test_served_deployments_have_the_schedule_the_forms_and_the_yaml_agrees(prefect_server):
    found = {d["name"]: d for d in httpx.post(f"{prefect_server.api}/deployments/filter", json={"limit": 50}).json()}
    nightly = found["nightly-refresh"]["schedules"][0]
    assert nightly["schedule"]["cron"] == "0 2 * * *" and nightly["schedule"]["timezone"] == "Europe/Moscow"
    assert nightly["active"] and not found["train"]["schedules"]
    form = found["train"]["parameter_openapi_schema"]["definitions"]["TrainParameters"]["properties"]
    assert {"profile", "stages", "qa_epochs", "sft_learning_rate", "lora_r", "dpo_steps", "grpo_steps",
            "dataset_version"} <= set(form)
    assert found["train"]["parameters"] == {"parameters": {"profile": "demo"}}

    # deployments/prefect.yaml (for `prefect deploy --all`) declares what `bbcopilot server` serves, in work pools.
    declared = {d["name"]: d for d in yaml.safe_load((PROJECT_ROOT / "deployments/prefect.yaml").read_text())["deployments"]}
    assert set(declared) == set(SERVED_DEPLOYMENTS)
    for name, deployment in declared.items():
        file, function = deployment["entrypoint"].split(":")
        assert found[name]["entrypoint"] == f"{file.removesuffix('.py').replace('/', '.')}.{function}" and deployment["parameters"] == found[name]["parameters"]
    assert declared["nightly-refresh"]["schedules"] == [{"cron": nightly["schedule"]["cron"], "timezone": "Europe/Moscow"}]
    assert declared["nightly-refresh"]["work_pool"]["name"] == "bbcopilot-cpu"
    assert {declared[n]["work_pool"]["name"] for n in ("train", "pipeline")} == {"bbcopilot-gpu"}


def test_the_nightly_refresh_recovers_from_a_failed_crawl_by_its_retry(prefect_server, refreshed):
    run = refreshed["run"]
    assert run.state.type.value == "COMPLETED", run.state.message
    assert refreshed["board"].missing_answered == 1
    crawl = task_runs(prefect_server, run.id, {"crawl_forum"})["crawl_forum"]
    # Two attempts: the first failed on the missing board, the retry crawled it.
    assert crawl["run_count"] == 2 and crawl["state"]["type"] == "COMPLETED", crawl
    states = httpx.get(f"{prefect_server.api}/flow_runs/{run.id}").json()
    assert states["parameters"]["parameters"]["forum_max_pages"] == 3
    pages = [r.path for r in refreshed["board"].log if r.status == 200 and r.path.startswith("/view")]
    assert 1 <= len(pages) <= 3, pages
    assert (refreshed["workspace"] / "datasets" / "chunks" / "LATEST").is_file()


def test_train_runs_from_its_deployment_with_typed_parameters(prefect_server, refreshed):
    assert refreshed["run"].state.type.value == "COMPLETED"
    train = {key: value for key, value in TRAIN_OVERRIDES.items() if key.startswith("eval.")}
    run = run_deployment(prefect_server, "train/train", {
        "profile": "demo", "stages": ["cpt", "sft"], "sft_max_steps": 2, "qa_max_steps": 2, "lora_r": 4,
        "dpo_steps": 0, "grpo_steps": 0,
        "overrides": {**refreshed["overrides"], **train, "qa.endpoint": refreshed["generator"],
                      "qa.endpoint_model": "scripted-teacher", "train.eval_steps": 1, "eval.max_prompts": 1,
                      "eval.max_qa": 1, "eval.temperatures": [0.2], "eval.bench_suites": ["blackbox"]},
    })
    assert run.state.type.value == "COMPLETED", run.state.message
    models = refreshed["workspace"] / "models"
    assert [p.name for p in models.iterdir() if p.is_dir()] and not (models / "dpo").exists() \
        and not (models / "grpo").exists(), "the stages chosen, no others"
    export = json.loads(next((refreshed["workspace"] / "exports").glob("*/lineage.json")).read_text())
    assert export["flow_run_id"] == str(run.id)
    assert '"lora_r": 4' in json.dumps(export["settings"])  # the form's value trained the model
    artifacts = httpx.post(f"{prefect_server.api}/artifacts/filter",
                           json={"artifacts": {"flow_run_id": {"any_": [str(run.id)]}}, "limit": 20}).json()
    assert {"bbcopilot-training-report", "bbcopilot-lineage"} <= {a["key"] for a in artifacts}


def test_a_restarted_server_still_has_its_deployments_and_runs(prefect_server, refreshed):
    before = {r["id"]: r["state"]["type"] for r in httpx.post(f"{prefect_server.api}/flow_runs/filter", json={"limit": 50}).json()}
    deployments = {d["name"]: d["id"] for d in httpx.post(f"{prefect_server.api}/deployments/filter", json={"limit": 50}).json()}
    assert str(refreshed["run"].id) in before

    assert prefect_server.stop() == 0  # Ctrl-C: serve and the server both stop, cleanly
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{prefect_server.api}/health", timeout=2)
    prefect_server.start()

    after = {r["id"]: r["state"]["type"] for r in httpx.post(f"{prefect_server.api}/flow_runs/filter", json={"limit": 50}).json()}
    assert {k: v for k, v in after.items() if k in before} == before
    assert {d["name"]: d["id"] for d in httpx.post(f"{prefect_server.api}/deployments/filter", json={"limit": 50}).json()} == deployments
