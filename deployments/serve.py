"""Deployments: the nightly refresh on a schedule, training on demand from the Prefect UI.

Run `bbcopilot`'s flows as deployments of one long-lived process:

    PREFECT_API_URL=http://127.0.0.1:4200/api .venv/bin/python -m deployments.serve --profile demo

`refresh` runs every night at 02:00 (the cron below); `train` and `pipeline`
have no schedule: start them from the UI ("Run" -> "Custom run"), where their
parameters (profile, overrides such as {"train.sft_epochs": 2}) form the form.
"""

from __future__ import annotations

import argparse

from prefect import serve

from flows.pipeline import pipeline
from flows.refresh import refresh
from flows.train import train

NIGHTLY = "0 2 * * *"


def deployments(profile: str, cron: str = NIGHTLY) -> list:
    parameters = {"profile": profile}
    return [
        refresh.to_deployment(name=f"refresh-{profile}", cron=cron, parameters=parameters, tags=["bbcopilot", "nightly"]),
        train.to_deployment(name=f"train-{profile}", parameters=parameters, tags=["bbcopilot"]),
        pipeline.to_deployment(name=f"pipeline-{profile}", parameters=parameters, tags=["bbcopilot"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo", help="Profile the deployments run with.")
    parser.add_argument("--cron", default=NIGHTLY, help="Schedule of the refresh (cron, server time zone).")
    args = parser.parse_args()
    serve(*deployments(args.profile, args.cron))


if __name__ == "__main__":
    main()
