"""The one check of a model folder (bbcopilot.model_folder), shared by the export and the server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bbcopilot.errors import InputError
from bbcopilot.model_folder import model_folder


def copy_of(tiny_model: Path, folder: Path, *left_out: str) -> Path:
    shutil.copytree(tiny_model, folder, ignore=lambda _, names: [n for n in names if n in left_out])
    return folder


def adapter_of(base: str, folder: Path) -> Path:
    """An adapter's folder as PEFT saves it (the check reads its config and looks for its weights)."""
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": base, "peft_type": "LORA"}))
    (folder / "adapter_model.safetensors").write_bytes(b"")
    return folder


def test_a_trainer_output_is_a_model_but_a_pickle_beside_safetensors_is_refused(tiny_model, tmp_path):
    folder = copy_of(tiny_model, tmp_path / "model")
    (folder / "training_args.bin").write_bytes(b"\x80\x04arguments")  # the Trainer's, never loaded
    assert model_folder(folder).path == folder and model_folder(folder).base is None
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04weights")
    with pytest.raises(InputError, match=r"model: pytorch_model.bin is a pickle-format checkpoint, refused"):
        model_folder(folder)


def test_everything_a_folder_lacks_is_named_in_one_line(tmp_path):
    with pytest.raises(InputError) as refused:
        model_folder(tmp_path)
    assert str(refused.value) == (f"{tmp_path}: not a model folder, it has no weights (model*.safetensors) and no "
                                  "config.json and no tokenizer (tokenizer.json or vocab.json)")


def test_full_model_weights_are_model_safetensors_not_any_safetensors(tiny_model, tmp_path):
    folder = copy_of(tiny_model, tmp_path / "model", "model.safetensors")
    (folder / "adapter_model.safetensors").write_bytes(b"")  # an adapter's weights without its config
    with pytest.raises(InputError, match=r"it has no weights \(model\*\.safetensors\)$"):
        model_folder(folder)


def test_an_adapter_is_served_on_its_base_and_refused_where_a_merged_model_is_wanted(tiny_model, tmp_path):
    adapter = adapter_of(str(tiny_model), tmp_path / "adapter")
    served = model_folder(adapter)
    assert (served.base, served.tokenizer_path) == (str(tiny_model), str(tiny_model))
    with pytest.raises(InputError, match=rf"a LoRA adapter of {tiny_model}, not a merged model; merge it"):
        model_folder(adapter, adapters=False)


def test_an_adapter_needs_its_weights_and_a_base_that_is_a_model(tiny_model, tmp_path):
    without_weights = adapter_of(str(tiny_model), tmp_path / "no-weights")
    (without_weights / "adapter_model.safetensors").unlink()
    with pytest.raises(InputError, match=r"an adapter without its weights \(adapter_model.safetensors\)"):
        model_folder(without_weights)
    base = copy_of(tiny_model, tmp_path / "base", "config.json")
    with pytest.raises(InputError, match=rf"^{base}: not a model folder, it has no config.json$"):
        model_folder(adapter_of(str(base), tmp_path / "on-a-broken-base"))
