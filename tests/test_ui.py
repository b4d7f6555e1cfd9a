"""The Prefect UI as a person uses it: Debian's Chromium, driven by Playwright, opens the `train`
deployment's form, changes the QA epochs, submits, and watches the run finish.

Screenshots (the form, the finished run, the lineage artifact) are saved in the test's tmp folder;
with BBCOPILOT_SCREENSHOTS=DIR they are copied there too (`docs/screenshots` is the README's).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, not Playwright's download (`playwright install` is never run).
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]

RUN_NAME = "epochs-from-the-form"

pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"{CHROMIUM} is missing: apt-get install chromium (as root)")


@pytest.fixture
def train_form_defaults(prefect_server, served_workspace):
    """The `train` deployment's form opens on the served workspace's settings (as a team's deployment
    opens on its own); the served default comes back afterwards."""
    deployment = next(d for d in httpx.post(f"{prefect_server.api}/deployments/filter", json={"limit": 50}).json()
                      if d["name"] == "train")
    # By epochs (no step limit): the epochs the person types decide how long the model trains.
    defaults = {"parameters": {"profile": "demo", "stages": ["sft"], "qa_max_steps": -1,
                               "overrides": served_workspace["overrides"]}}

    def set_defaults(parameters):
        answer = httpx.patch(f"{prefect_server.api}/deployments/{deployment['id']}", json={"parameters": parameters})
        assert answer.status_code == 204, answer.text

    set_defaults(defaults)
    try:
        yield deployment
    finally:
        set_defaults(deployment["parameters"])


def test_a_person_starts_training_from_the_form_and_sees_it_finish(prefect_server, train_form_defaults, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    ui = prefect_server.api.removesuffix("/api")
    shots = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{ui}/deployments/deployment/{train_form_defaults['id']}/run", wait_until="networkidle")

        page.locator(".p-label", has=page.locator("label", has_text="Run Name")).locator("input").fill(RUN_NAME)
        label = page.locator(".schema-form-property__label", has_text=re.compile(r"^Epochs of QA SFT \(sft\)"))
        field = page.locator(".schema-form-property", has=label).last
        # An optional field is a choice between its type and None (the profile's value): choose the number.
        field.get_by_role("button", name="float", exact=True).click()
        field.locator("input[type=number]").fill("2")
        field.scroll_into_view_if_needed()
        shots.append(tmp_path / "train-form.png")
        page.screenshot(path=shots[-1])

        page.get_by_role("button", name="Submit").click()
        page.wait_for_url(re.compile(r"tab=Runs"))  # the deployment's runs, the new one among them
        page.get_by_role("link", name=RUN_NAME).first.click()
        page.wait_for_url(re.compile(r"/runs/flow-run/"))
        run_id = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        page.goto(f"{ui}/runs/flow-run/{run_id}", wait_until="networkidle")  # the run's page alone, no older run's
        # The run page follows the run live: its state badge turns Completed (a tiny model trains ~1-3 min).
        page.locator(".state-badge").first.filter(has_text="Completed").wait_for(timeout=420_000)
        page.wait_for_load_state("networkidle")
        shots.append(tmp_path / "train-run.png")
        page.screenshot(path=shots[-1], full_page=True)

        lineage = [a for a in httpx.post(f"{prefect_server.api}/artifacts/filter", json={
            "artifacts": {"flow_run_id": {"any_": [run_id]}, "key": {"any_": ["bbcopilot-lineage"]}}}).json()]
        if lineage:
            page.goto(f"{ui}/artifacts/artifact/{lineage[0]['id']}", wait_until="networkidle")
            shots.append(tmp_path / "lineage-artifact.png")
            page.screenshot(path=shots[-1], full_page=True)
        browser.close()

    run = httpx.get(f"{prefect_server.api}/flow_runs/{run_id}").json()
    assert run["state"]["type"] == "COMPLETED" and run["deployment_id"] == train_form_defaults["id"]
    assert run["parameters"]["parameters"]["qa_epochs"] == 2  # what the person typed reached the flow
    trained = [json.loads(path.read_text()) for path in
               (Path(run["parameters"]["parameters"]["overrides"]["workspace"]) / "models" / "sft-qa").glob("*/lineage.json")]
    assert any(t["flow_run_id"] == run_id and t["settings"]["train"]["qa_epochs"] == 2 for t in trained), trained
    assert lineage, "the train run publishes its lineage artifact"
    if os.environ.get("BBCOPILOT_SCREENSHOTS"):
        folder = Path(os.environ["BBCOPILOT_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, folder / shot.name)
