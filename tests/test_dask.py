"""Fan-out: the refresh's stages on a Dask cluster (prefect-dask's DaskTaskRunner, address from the
settings), here a local one with two workers. Threads, not processes: a worker process would import
torch and transformers afresh (minutes on two cores), and the scheduler, the task hand-off and the
workers are Dask's either way."""

from __future__ import annotations

import logging
import shutil

from bbcopilot.datasets_build import CHUNKS
from bbcopilot.workspace import Workspace

DOCUMENTS = ["Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Std/Mod/Log.odc"]


def test_the_refresh_runs_its_stages_on_a_local_dask_cluster_with_two_workers(blackbox_dir, tiny_model, tmp_path):
    from distributed import Client, LocalCluster, get_task_stream

    from flows.parameters import RefreshParameters
    from flows.refresh import refresh

    source = tmp_path / "blackbox"
    for relpath in DOCUMENTS:
        (source / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, source / relpath)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client, get_task_stream(client) as stream:
        overrides = {"workspace": str(tmp_path / "ws"), "sources.blackbox_dir": str(source),
                     "sources.telegram_exports": [], "sources.forum_mirror_dir": None,
                     "model.build_tiny": False, "model.base_model": str(tiny_model),
                     "dask_address": cluster.scheduler_address}
        report = refresh(RefreshParameters(overrides=overrides))
        workers = set(client.scheduler_info()["workers"])
    # The conversion, then chunks, dialogs and the API index: each a task on one of the cluster's workers.
    ran = stream.data
    assert len(ran) == 4, ran
    assert {task["worker"] for task in ran} <= workers and len(workers) == 2
    assert "documents 3, failed 0" in open(report, encoding="utf-8").read()
    assert Workspace(tmp_path / "ws").latest(CHUNKS) is not None
