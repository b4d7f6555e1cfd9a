"""The flows' typed parameters: the form of the Prefect UI, validated into the one settings tree."""

from __future__ import annotations

import typing

import pytest
from pydantic import SecretStr, ValidationError

from bbcopilot.config import CONFIG_DIR, Settings
from bbcopilot.errors import ConfigError
from flows.parameters import PipelineParameters, RefreshParameters, TrainParameters

MODELS = (RefreshParameters, TrainParameters, PipelineParameters)


def _secret_settings(model=Settings, prefix=()) -> set[str]:
    """Dotted names of every secret in the settings tree."""
    found = set()
    for name, info in model.model_fields.items():
        args = {info.annotation, *typing.get_args(info.annotation)}
        if SecretStr in args:
            found.add(".".join((*prefix, name)))
        elif isinstance(info.annotation, type) and hasattr(info.annotation, "model_fields"):
            found |= _secret_settings(info.annotation, (*prefix, name))
    return found


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_is_titled_described_defaulted_and_no_secret(model):
    secrets = _secret_settings()
    assert "qa.api_key" in secrets and "sources.pseudonym_key" in secrets
    for name, info in model.model_fields.items():
        assert info.title and info.description and not info.is_required(), name
        assert SecretStr not in {info.annotation, *typing.get_args(info.annotation)}, name
        setting = getattr(info.json_schema_extra, "setting", None)
        assert setting not in secrets, name
    assert list(model.model_fields)[0] == "profile" and list(model.model_fields)[-1] == "overrides"
    schema = model.model_json_schema()
    assert sorted(schema["properties"]["profile"]["enum"]) == sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def test_set_fields_override_the_profile_and_empty_ones_keep_it(tmp_path):
    demo = TrainParameters(overrides={"workspace": str(tmp_path)}).load_settings()
    assert demo.train.sft_learning_rate == 0.002 and demo.train.qa_epochs == 1.0  # the profile's and the default
    chosen = TrainParameters(qa_epochs=3, lora_r=4, stages=["sft"], overrides={"workspace": str(tmp_path)}).load_settings()
    assert (chosen.train.qa_epochs, chosen.train.lora_r, chosen.train.stages) == (3, 4, ["sft"])
    assert chosen.train.sft_learning_rate == 0.002 and chosen.workspace == tmp_path
    assert PipelineParameters(grpo_steps=0).load_settings().train.grpo_steps == 0
    assert RefreshParameters(forum_max_pages=3).load_settings().sources.forum_max_pages == 3


def test_bad_values_are_refused_with_the_setting_named(tmp_path):
    with pytest.raises(ValidationError):
        TrainParameters(profile="no-such-profile")
    with pytest.raises(ValidationError):
        TrainParameters(stages=["ppo"])
    with pytest.raises(ConfigError, match="train.qa_epochs"):
        TrainParameters(qa_epochs=-1).load_settings()
    with pytest.raises(ConfigError, match="qa.api_key.*environment"):
        TrainParameters(overrides={"qa.api_key": "sk-x"}).load_settings()
    with pytest.raises(ConfigError, match="train.lora_r set both"):
        TrainParameters(lora_r=4, overrides={"train.lora_r": 8}).setting_overrides()


def test_dataset_version_must_exist_and_none_is_the_latest(tmp_path):
    parameters = TrainParameters(dataset_version="abc123", overrides={"workspace": str(tmp_path)})
    settings = parameters.load_settings()
    with pytest.raises(ConfigError, match="dataset_version abc123: no such version .*versions: none yet"):
        parameters.documents_version(settings)
    (tmp_path / "datasets" / "documents" / "abc123").mkdir(parents=True)
    assert parameters.documents_version(settings) == "abc123"
    assert TrainParameters().documents_version(settings) is None


def test_the_flows_form_is_the_typed_model_not_a_json_box():
    from prefect.utilities.callables import parameter_schema

    from flows.train import train

    schema = parameter_schema(train).model_dump_for_openapi()
    form = schema["definitions"]["TrainParameters"]["properties"]
    assert form["qa_epochs"]["title"] == "Epochs of QA SFT (sft)" and "Epochs over the QA pairs" in form["qa_epochs"]["description"]
    assert form["stages"]["anyOf"][0]["items"]["enum"] == ["cpt", "sft", "dpo", "grpo"]
    assert form["qa_epochs"]["anyOf"] == [{"type": "number"}, {"type": "null"}] and form["qa_epochs"]["setting"] == "train.qa_epochs"
    assert schema["properties"]["parameters"]["default"]["profile"] == "demo"
