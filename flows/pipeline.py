"""The whole pipeline: refresh, then train on what the refresh made."""

from __future__ import annotations

from typing import Any

from prefect import flow

from bbcopilot.config import load_settings
from flows.refresh import refresh_stages
from flows.train import train_stages
from tasks.reporting import publish_report


@flow(name="pipeline")
def pipeline(profile: str = "demo", overrides: dict[str, Any] | None = None) -> str:
    """Sources -> datasets -> QA -> SFT -> DPO -> evaluation -> export; returns the report's path."""
    settings = load_settings(profile, overrides)
    datasets = refresh_stages(settings)
    return publish_report(settings, "Pipeline report", [*datasets, *train_stages(settings, datasets)])
