"""A training stage's curves as one PNG: train and validation loss with the early-stopping point
marked, and for GRPO each reward's mean. Read from the trainer's log history, so the picture shows
what the trainer logged (and TensorBoard holds the same numbers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REWARD_PREFIX = "rewards/"


def series(log_history: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of one logged quantity, where it was logged with a value (GRPO logs None for a
    reward that applied to no completion of the step)."""
    points = [(entry["step"], entry[key]) for entry in log_history if entry.get(key) is not None and "step" in entry]
    return [step for step, _ in points], [value for _, value in points]


def reward_keys(log_history: list[dict[str, Any]]) -> list[str]:
    """GRPO's per-reward means, as TRL logs them: rewards/<function>/mean."""
    return sorted({key for entry in log_history for key in entry if key.startswith(REWARD_PREFIX) and key.endswith("/mean")})


def plot_curves(log_history: list[dict[str, Any]], best_step: int | None, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rewards = reward_keys(log_history)
    panels = 2 if rewards else 1
    figure, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4), squeeze=False)
    loss = axes[0][0]
    for key, label in (("loss", "train loss"), ("eval_loss", "validation loss")):
        steps, values = series(log_history, key)
        if steps:
            loss.plot(steps, values, marker="." if len(steps) < 30 else None, label=label)
    if best_step is not None:
        loss.axvline(best_step, color="grey", linestyle="--", label=f"kept (step {best_step})")
    loss.set_xlabel("step")
    loss.set_ylabel("loss")
    loss.set_title(title)
    loss.legend()
    if rewards:
        panel = axes[0][1]
        for key in rewards:
            steps, values = series(log_history, key)
            panel.plot(steps, values, label=key[len(REWARD_PREFIX):-len("/mean")])
        panel.set_xlabel("step")
        panel.set_ylabel("mean reward")
        panel.set_title(f"{title}: rewards")
        panel.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
