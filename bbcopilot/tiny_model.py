"""A tiny Qwen2-architecture model, built offline from the corpus in seconds.

It stands in for a hub Qwen model wherever no hub or GPU is at hand (the demo,
the tests): the tokenizer is a byte-level BPE trained with Qwen's own normaliser
and pre-tokeniser, the chat template is the project's one (Qwen2.5's ChatML), and both are saved with
`save_pretrained`, so `AutoTokenizer`/`AutoModelForCausalLM` load it through
exactly the code path a real Qwen model takes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from bbcopilot.config import ModelSettings
from bbcopilot.llm import chat_template
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_dir, code_version, content_hash

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def train_tokenizer(texts: Iterable[str], vocab_size: int):
    """A Qwen2-compatible byte-level BPE tokenizer trained on `texts`."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    tokenizer = Tokenizer(models.BPE(unk_token=None))
    # The same pieces AutoTokenizer rebuilds for model_type=qwen2; any other
    # choice would make the reloaded tokenizer split text differently.
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    wrapped.chat_template = chat_template()
    return wrapped


def build_tiny_model(
    texts: Iterable[str], out_dir: Path, *, vocab_size: int = 4096, hidden_size: int = 64, layers: int = 2, seed: int = 0
) -> Path:
    """Train the tokenizer, initialise a Qwen2 model around it, save both to `out_dir`."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = train_tokenizer(texts, vocab_size)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


# ---------------------------------------------------------------- the stage

TINY = "models/tiny"


def tiny_model_dir(workspace: Workspace, documents_version: str, settings: ModelSettings) -> Path:
    """`models/tiny/<version>`: one tiny model per documents version and shape settings."""
    shape = settings.model_dump(include={"tiny_vocab_size", "tiny_hidden_size", "tiny_layers"})
    return workspace.version_dir(TINY, content_hash(documents_version, shape, code_version(build_tiny_from_documents)))


def build_tiny_from_documents(workspace: Workspace, documents: StageResult, settings: ModelSettings) -> StageResult:
    """Train the tiny model's tokenizer on the train split of the documents dataset."""
    from datasets import load_from_disk

    final = tiny_model_dir(workspace, documents.version, settings)
    if not final.is_dir():
        texts = load_from_disk(documents.path)["train"]["text"]
        with atomic_dir(final) as building:
            build_tiny_model(
                texts, building, vocab_size=settings.tiny_vocab_size, hidden_size=settings.tiny_hidden_size,
                layers=settings.tiny_layers,
            )
    workspace.set_latest(TINY, final.name)
    config = json.loads((final / "config.json").read_text(encoding="utf-8"))
    figures = {"vocabulary": config["vocab_size"], "layers": config["num_hidden_layers"]}
    return StageResult(TINY, final.name, str(final), figures)
