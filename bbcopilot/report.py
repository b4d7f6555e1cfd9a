"""The run report: what each stage made, its figures, what it skipped and why, how long it took.

Stages return `StageResult`s; the report is rendered once at the end of a run as
Markdown (a file in the workspace and, inside a flow, a Prefect artifact). It is
the first thing a person reads after a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bbcopilot.workspace import atomic_write_text

REPORTS = "reports"
SKIPPED_SHOWN = 20


@dataclass
class StageResult:
    """What a stage made: the report's raw material and the next stage's input."""

    stage: str
    version: str
    path: str
    figures: dict[str, Any] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    table: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    cached: bool = False


def figures_text(figures: dict[str, Any]) -> str:
    def show(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    return ", ".join(f"{key} {show(value)}" for key, value in figures.items()) or "-"


def render_report(title: str, results: list[StageResult], settings: dict[str, Any], tables: dict[str, str]) -> str:
    lines = [
        f"# {title}",
        "",
        f"Profile `{settings.get('profile')}`, finished {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC. "
        f"Workspace `{settings.get('workspace')}`.",
        "",
        "| stage | version | figures | skipped | time | artefact |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        time = "cached" if r.cached else f"{r.seconds:.1f} s"
        lines.append(f"| {r.stage} | `{r.version}` | {figures_text(r.figures)} | {len(r.skipped)} | {time} | `{r.path}` |")
    total = sum(r.seconds for r in results)
    lines += ["", f"Total stage time: {total:.1f} s.", ""]
    skipped = [(r.stage, source, reason) for r in results for source, reason in r.skipped]
    if skipped:
        lines += ["## Skipped inputs", "", "| stage | input | reason |", "|---|---|---|"]
        lines += [f"| {stage} | `{source}` | {reason} |" for stage, source, reason in skipped[:SKIPPED_SHOWN]]
        if len(skipped) > SKIPPED_SHOWN:
            lines.append(f"| ... | {len(skipped) - SKIPPED_SHOWN} more | listed in the stages' manifests |")
        lines.append("")
    for heading, body in tables.items():
        lines += [f"## {heading}", "", body, ""]
    return "\n".join(lines)


def write_report(workspace: Path, markdown: str, name: str) -> Path:
    """Write the report under `reports/` with a timestamp, and as `reports/<name>-latest.md`."""
    folder = workspace / REPORTS
    path = folder / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%S-%f}.md"  # two runs in one second keep both
    atomic_write_text(path, markdown)
    atomic_write_text(folder / f"{name}-latest.md", markdown)
    return path
