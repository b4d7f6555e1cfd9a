"""Cold pipeline time against a rerun with nothing changed, in one process.

    .venv/bin/python benchmarks/refresh_nochange.py [--profile demo] [--set key=value ...]

Runs the pipeline flow on a fresh workspace (cold), then again (nothing
changed: every stage should come from cache) and prints both times and their
ratio. Goal: the no-change run takes at most 5% of the cold one.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import yaml

from bbcopilot.cli import prefect_defaults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--set", action="append", default=[], help="Override a setting: key=value.")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="bbcopilot-bench-prefect-"))
    prefect_defaults()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect import flow

    from flows.parameters import PipelineParameters
    from flows.pipeline import pipeline

    # Start the ephemeral Prefect server before timing, so that neither run pays for it.
    flow(name="warm-up")(lambda: None)()

    overrides = {"workspace": tempfile.mkdtemp(prefix="bbcopilot-bench-ws-")}
    overrides |= {key: yaml.safe_load(value) for key, _, value in (item.partition("=") for item in args.set)}

    timings = {}
    for run in ("cold", "no-change"):
        started = time.perf_counter()
        report = pipeline(PipelineParameters(profile=args.profile, overrides=overrides))
        timings[run] = time.perf_counter() - started
        print(f"{run:>9}: {timings[run]:7.1f} s  report {report}")
    print(f"    ratio: {timings['no-change'] / timings['cold']:.3f} (goal <= 0.05)")


if __name__ == "__main__":
    main()
