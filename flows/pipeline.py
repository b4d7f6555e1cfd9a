"""The whole pipeline: refresh, then train on what the refresh made."""

from __future__ import annotations

from prefect import flow

from flows.parameters import PipelineParameters
from flows.refresh import refresh_stages
from flows.train import train_stages
from tasks.reporting import publish_report


@flow(name="pipeline")
def pipeline(parameters: PipelineParameters = PipelineParameters()) -> str:
    """Sources -> datasets -> QA -> SFT -> DPO -> evaluation -> export; returns the report's path."""
    settings = parameters.load_settings()
    datasets = refresh_stages(settings)
    return publish_report(settings, "Pipeline report", [*datasets, *train_stages(settings, datasets)])
