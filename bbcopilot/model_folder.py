"""What a model folder holds, checked before anything loads it: one clear InputError for each fault.

A full model is its weights as safetensors (`model.safetensors` or its shards
`model-0000k-of-0000n.safetensors`, what `from_pretrained` loads), `config.json` and a tokenizer.
A LoRA adapter is `adapter_config.json` and `adapter_model.safetensors` (as PEFT saves them) with
the base model it names: a folder, checked as a full model, or a hub id loaded through the hub
cache. A pickle-format file in the folder is refused even beside safetensors weights: unpickling
runs whatever code it names, and the export ships the folder's files (the Trainer's
training_args.bin, which nothing loads, is let through and left out of exports). The export wants
a merged model (an adapter is refused, its base named); the server accepts an adapter and merges it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bbcopilot.errors import InputError

WEIGHTS = "model*.safetensors"
ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
# A tokenizer is its vocabulary: tokenizer.json (fast) or vocab.json (byte-level BPE, with merges.txt);
# tokenizer_config.json alone holds none.
TOKENIZER_FILES = ("tokenizer.json", "vocab.json")
# Saved with pickle (torch.save): the weights, or a Trainer checkpoint's optimizer and scheduler state.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
NOT_WEIGHTS = ("training_args.bin",)  # the Trainer's pickled arguments: nothing loads it, the export leaves it out


@dataclass(frozen=True)
class ModelFolder:
    """A model we may load: a full model's folder, or a LoRA adapter's with the base it names."""

    path: Path
    base: str | None = None  # an adapter's base model: a folder, or a hub id loaded through the hub cache

    @property
    def tokenizer_path(self) -> str:
        return str(self.path) if has_tokenizer(self.path) else str(self.base)


def has_tokenizer(folder: Path) -> bool:
    return any((folder / name).is_file() for name in TOKENIZER_FILES)


def _is_local(name: str) -> bool:
    """Whether an adapter's base is a folder rather than a hub id ("Qwen/Qwen2.5-Coder-1.5B")."""
    return Path(name).is_absolute() or name.startswith((".", "~")) or name.count("/") > 1 or Path(name).exists()


def model_folder(path: str | Path, *, adapters: bool = True) -> ModelFolder:
    """The model in `path`, or InputError naming the folder and what is wrong: no such folder, a
    pickle checkpoint, no weights, config or tokenizer (all that is missing, in one line), an
    adapter when `adapters` is false (a merged model wanted), an adapter whose base is missing."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(str(folder), "no such model folder")
    pickled = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in PICKLE_SUFFIXES
                     and p.name not in NOT_WEIGHTS)
    if pickled:
        raise InputError(str(folder), f"{', '.join(pickled)} {'is a' if len(pickled) == 1 else 'are'} pickle-format "
                         "checkpoint, refused: only safetensors weights are loaded (unpickling runs code); convert it "
                         "with save_pretrained(..., safe_serialization=True) where you trust it")
    if (folder / ADAPTER_CONFIG).is_file():
        return _adapter(folder, adapters)
    missing = [what for what, present in (
        (f"weights ({WEIGHTS})", any(folder.glob(WEIGHTS))),
        ("config.json", (folder / "config.json").is_file()),
        (f"tokenizer ({' or '.join(TOKENIZER_FILES)})", has_tokenizer(folder)),
    ) if not present]
    if missing:
        raise InputError(str(folder), f"not a model folder, it has no {' and no '.join(missing)}")
    return ModelFolder(folder)


def _adapter(folder: Path, accepted: bool) -> ModelFolder:
    base = json.loads((folder / ADAPTER_CONFIG).read_text(encoding="utf-8")).get("base_model_name_or_path")
    gone = bool(base) and _is_local(base) and not Path(base).is_dir()  # a hub id may be in the hub cache
    if not accepted:
        where = f" of {base}" + (" (not found here)" if gone else "") if base else ""
        raise InputError(str(folder), f"a LoRA adapter{where}, not a merged model; merge it into its base first")
    if not base:
        raise InputError(str(folder / ADAPTER_CONFIG), "an adapter that names no base model")
    if gone:
        raise InputError(str(folder), f"an adapter whose base model {base} is missing ({ADAPTER_CONFIG}'s "
                         "base_model_name_or_path): put the base there, or use the merged model")
    if not (folder / ADAPTER_WEIGHTS).is_file():
        raise InputError(str(folder), f"an adapter without its weights ({ADAPTER_WEIGHTS})")
    if _is_local(base):
        model_folder(base, adapters=False)  # the base's own weights, config and tokenizer, checked alike
    return ModelFolder(folder, base)
