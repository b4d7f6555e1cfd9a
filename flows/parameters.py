"""The flows' parameters: what the Prefect UI's "Custom run" form shows, typed, titled and described.

Each model validates into the one settings tree (`load_settings(profile, overrides)`): a field left
empty (None) keeps the profile's value, a field that is set becomes the override of its setting.
Secrets are never parameters (they would be stored in Prefect's database and shown in the UI): they
come from the environment, and `load_settings` refuses them as overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bbcopilot.config import CONFIG_DIR, TRAIN_STAGES, Settings, TrainSettings, load_settings
from bbcopilot.datasets_build import DOCUMENTS
from bbcopilot.errors import ConfigError
from bbcopilot.workspace import Workspace

# The UI offers the profiles of configs/ as a choice (a profile outside it is a path, for the CLI alone).
PROFILES = tuple(sorted(path.stem for path in CONFIG_DIR.glob("*.yaml")))
ProfileName = Literal[PROFILES]


@dataclass(frozen=True)
class Overrides:
    """A field's `json_schema_extra`: the field overrides `setting` (named in its schema too).

    The form shows such a field as a choice between its type and None, None chosen: the UI sends
    every field, and None is how it says "the profile's value" (an input of the type alone would be
    sent as null and refused by the schema).
    """

    setting: str

    def __call__(self, schema: dict[str, Any]) -> None:
        schema["setting"] = self.setting


def _train_field(setting: str, title: str) -> Any:
    """A form field for `train.<setting>`: the setting's own description, empty = the profile's value."""
    description = TrainSettings.model_fields[setting].description
    return Field(None, title=title, description=f"{description} Empty: the profile's value.",
                 json_schema_extra=Overrides(f"train.{setting}"))


def _overrides_field() -> Any:
    return Field(
        None, title="Further settings",
        description='Any other setting as dotted key and value, e.g. {"eval.max_prompts": 4} (what `--set` gives '
        "on the command line). Secrets are refused: they come from the environment.",
    )


class FlowParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: ProfileName = Field("demo", title="Profile", description="Settings profile of configs/: base model, sizes, sources.")
    # Each subclass declares `overrides` as its last field, so that the form shows it last.

    def setting_overrides(self) -> dict[str, Any]:
        """The overrides of the settings tree: `overrides`, then every typed field that is set."""
        typed = {info.json_schema_extra.setting: getattr(self, name)
                 for name, info in type(self).model_fields.items()
                 if isinstance(info.json_schema_extra, Overrides) and getattr(self, name) is not None}
        given = dict(self.overrides or {})
        clash = sorted(key for key in typed if key in given and given[key] != typed[key])
        if clash:
            raise ConfigError(f"parameters: {', '.join(clash)} set both as a field and in further settings; set it once")
        return {**given, **typed}

    def load_settings(self) -> Settings:
        return load_settings(self.profile, self.setting_overrides())


class RefreshParameters(FlowParameters):
    """The refresh: convert every source, rebuild the datasets that changed (unchanged ones come from the cache)."""

    forum_max_pages: int | None = Field(
        None, ge=0, title="Forum pages", description="Stop the forum crawl after this many pages (0 = no limit). "
        "Empty: the profile's value.", json_schema_extra=Overrides("sources.forum_max_pages"),
    )
    overrides: dict[str, Any] | None = _overrides_field()


class TrainingChoices(FlowParameters):
    """What a training run trains: stages, learning rates, epochs, LoRA rank, DPO and GRPO steps."""

    stages: list[Literal[TRAIN_STAGES]] | None = _train_field("stages", "Stages")
    sft_epochs: float | None = _train_field("sft_epochs", "Epochs of continued pretraining (cpt)")
    sft_max_steps: int | None = _train_field("sft_max_steps", "Steps of continued pretraining (cpt)")
    sft_learning_rate: float | None = _train_field("sft_learning_rate", "Learning rate of continued pretraining (cpt)")
    qa_epochs: float | None = _train_field("qa_epochs", "Epochs of QA SFT (sft)")
    qa_max_steps: int | None = _train_field("qa_max_steps", "Steps of QA SFT (sft)")
    qa_learning_rate: float | None = _train_field("qa_learning_rate", "Learning rate of QA SFT (sft)")
    lora_r: int | None = _train_field("lora_r", "LoRA rank")
    dpo_steps: int | None = _train_field("dpo_steps", "DPO steps")
    dpo_learning_rate: float | None = _train_field("dpo_learning_rate", "DPO learning rate")
    grpo_steps: int | None = _train_field("grpo_steps", "GRPO steps")
    grpo_learning_rate: float | None = _train_field("grpo_learning_rate", "GRPO learning rate")


class TrainParameters(TrainingChoices):
    """Train on datasets the refresh made: the latest, or a named documents version."""

    dataset_version: str | None = Field(
        None, title="Dataset version",
        description="Version of datasets/documents to train on (a folder name in the workspace); empty = the latest.",
    )
    overrides: dict[str, Any] | None = _overrides_field()

    def documents_version(self, settings: Settings) -> str | None:
        """The chosen documents version, checked to exist; None = the latest."""
        if self.dataset_version is None:
            return None
        workspace = Workspace(settings.workspace)
        if not workspace.version_dir(DOCUMENTS, self.dataset_version).is_dir():
            known = ", ".join(workspace.versions(DOCUMENTS)) or "none yet"
            raise ConfigError(f"dataset_version {self.dataset_version}: no such version of {workspace.root / DOCUMENTS} "
                              f"(versions: {known})")
        return self.dataset_version


class PipelineParameters(TrainingChoices):
    """Refresh, then train on what the refresh made."""

    overrides: dict[str, Any] | None = _overrides_field()
