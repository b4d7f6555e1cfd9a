"""Human review: a batch of generated QA pairs or DPO preference pairs shown as a form in the Prefect
UI; the flow waits, paused, until a person submits it, then stores the decisions with the pairs
(`bbcopilot.review`). The next QA build drops the rejected QA pairs, the next preferences build the
rejected preference pairs."""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import BaseModel, Field, create_model

from bbcopilot import review
from bbcopilot.workspace import Workspace
from flows.parameters import FlowParameters, _overrides_field

EXCERPT = 80  # characters of a question in a field's title; its description has the whole pair
WAIT_SECONDS = 7 * 24 * 3600  # a review may wait for its reviewer for a week


class ReviewParameters(FlowParameters):
    """Review a batch of pairs the pipeline generated: accept or reject each, with a note."""

    dataset: Literal[review.QA_PAIRS, review.PREFERENCE_PAIRS] = Field(
        review.QA_PAIRS, title="Pairs to review",
        description="qa: generated question/answer pairs (the QA filters drop the rejected ones); "
        "preferences: DPO's chosen/rejected pairs (DPO's training set drops the rejected ones).",
    )
    batch_size: int = Field(10, ge=1, le=100, title="Batch size", description="Pairs shown at once (not reviewed yet, from the latest version).")
    overrides: dict[str, Any] | None = _overrides_field()


class PairDecision(BaseModel):
    decision: Literal[review.DECISIONS] = Field("accept", title="Decision")
    note: str = Field("", title="Note", description="Why (optional): kept with the decision, shown as the filter's reason.")


def pair_text(pair: dict[str, Any]) -> str:
    if "answer" in pair:
        return f"**Question:** {pair['question']}\n\n**Answer:** {pair['answer']}"
    return (f"**Prompt:** {pair['question']}\n\n**Chosen:** {pair['chosen']}\n\n"
            f"**Rejected ({pair['origin']}):** {pair['rejected']}")


def _title(number: int, pair: dict[str, Any]) -> str:
    question = " ".join(pair["question"].split())
    return f"{number}. {question[:EXCERPT]}{'…' if len(question) > EXCERPT else ''}"


def review_form(dataset: str, version: str, pairs: list[dict[str, Any]]) -> type[RunInput]:
    """A RunInput with one accept/reject (+ note) field per pair, titled and described by its text."""
    fields = {
        f"pair_{number}": (PairDecision, Field(default_factory=PairDecision, title=_title(number, pair),
                                               description=pair_text(pair)))
        for number, pair in enumerate(pairs, 1)
    }
    form = create_model("ReviewInput", __base__=RunInput, **fields)
    listing = "\n\n---\n\n".join(f"### {_title(number, pair)}\n\n{pair_text(pair)}" for number, pair in enumerate(pairs, 1))
    return form.with_initial_data(description=f"Review {len(pairs)} {dataset} pairs of version `{version}`: accept or "
                                              f"reject each (a note says why).\n\n{listing}")


@flow(name="review")
def review_pairs(parameters: ReviewParameters = ReviewParameters()) -> str | None:
    """Pause with a batch of pairs as a form; store the submitted decisions. Returns the decisions
    file (None: nothing left to review)."""
    settings = parameters.load_settings()
    workspace = Workspace(settings.workspace)
    logger = get_run_logger()
    version, pairs = review.next_batch(workspace, parameters.dataset, parameters.batch_size)
    if not pairs:
        logger.info("every %s pair of version %s is reviewed already", parameters.dataset, version)
        return None
    submitted = pause_flow_run(wait_for_input=review_form(parameters.dataset, version, pairs), timeout=WAIT_SECONDS)
    choices = [(getattr(submitted, f"pair_{n}").decision, getattr(submitted, f"pair_{n}").note) for n in range(1, len(pairs) + 1)]
    path = review.record_decisions(workspace, parameters.dataset, version, pairs, choices)
    rejected = sum(decision == "reject" for decision, _ in choices)
    logger.info("%d of %d %s pairs rejected; decisions in %s", rejected, len(pairs), parameters.dataset, path)
    return str(path)
