"""GGUF: the merged model as one file that llama.cpp and Ollama load, and its verification.

Written with the `gguf` package's `GGUFWriter` (the library llama.cpp's own converter uses):
the hyper-parameters, the tokenizer (byte-level BPE tokens, their types, the merges, the
special token ids) and the chat template without transformers' `{% generation %}` markers,
then every tensor under its GGUF name. Norms and biases stay F32 (llama.cpp computes them in
F32); matrices are F16, or Q8_0 where their rows split into Q8_0's 32-value blocks.

Verified twice: transformers reads the file back (`gguf_file=`, dequantised) and its logits on a
few prompts are compared with the safetensors model's (`TOLERANCE`, relative to the largest
logit); where llama-cpp-python is installed, llama.cpp loads the file, tokenises the prompts as
the tokenizer does and its greedy tokens are compared with transformers' on the safetensors model.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bbcopilot.errors import BBCopilotError
from bbcopilot.llm import chat
from bbcopilot.model_folder import WEIGHTS

# GGUF's name of each transformers architecture we write (the tensor names follow from it).
ARCHITECTURES = {"qwen2": "QWEN2"}
QUANTISATIONS = ("F16", "Q8_0")
# Largest logit difference allowed, as a share of the largest logit of the safetensors model on the
# same prompts: F16 keeps ~3 decimal digits, Q8_0 a scale per 32 values (measured on the tiny model:
# see the export's figures; a real 1.5B model stays well inside both).
TOLERANCE = {"F16": 0.005, "Q8_0": 0.05}
# What the logits of a small model barely show (a wrong rope base moves the tiny model's by 0.5%):
# the hyper-parameters read back must be the model's.
ARCHITECTURE_FIELDS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                       "num_key_value_heads", "max_position_embeddings", "tie_word_embeddings")
# transformers' {% generation %} / {% endgeneration %} tags, and Jinja comments (ours mention the tags).
NOT_PORTABLE = re.compile(r"\{%-?\s*(?:end)?generation\s*-?%\}|\{#.*?#\}", re.DOTALL)
# Prompts of the checks: conversations as the assistant is asked them, and plain text.
CHECK_PROMPTS = (
    "Write a Component Pascal module that logs Hello with StdLog.",
    "Что делает TextModels.Model в BlackBox?",
    "MODULE ObxHello; IMPORT StdLog; PROCEDURE Do*; BEGIN StdLog.String(",
)
GREEDY_TOKENS = 16


class GgufError(BBCopilotError):
    """The model cannot be written as GGUF, or the written file does not match the model."""


def portable_chat_template(template: str) -> str:
    """The chat template as llama.cpp and Ollama read it: transformers' `{% generation %}` markers
    (which only mark the assistant's tokens for training) and comments removed; the same text renders
    (`tests/test_export.py`)."""
    return NOT_PORTABLE.sub("", template)


@dataclass(frozen=True)
class GgufFile:
    quantisation: str
    path: Path

    @property
    def megabytes(self) -> float:
        return round(self.path.stat().st_size / 2**20, 3)


def gguf_name(model_name: str, quantisation: str) -> str:
    return f"{model_name}-{quantisation}.gguf"


# ---------------------------------------------------------------- writing


def write_gguf(model_dir: Path, out: Path, quantisation: str, name: str, sampling: dict[str, Any]) -> GgufFile:
    """Write the model of `model_dir` (safetensors, tokenizer with the one chat template) to `out`."""
    import gguf
    import torch
    from safetensors import safe_open

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    arch = _architecture(model_dir, config)
    writer = gguf.GGUFWriter(out, gguf.MODEL_ARCH_NAMES[arch])
    file_type = {"F16": gguf.LlamaFileType.MOSTLY_F16, "Q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[quantisation]
    writer.add_name(name)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_rope_freq_base(_rope_theta(model_dir, config))
    writer.add_file_type(file_type)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    # llama.cpp's defaults for its samplers: what the evaluation chose (generation_config.json).
    writer.add_sampling_temp(sampling["temperature"])
    writer.add_sampling_top_p(sampling["top_p"])
    writer.add_sampling_top_k(sampling["top_k"])
    writer.add_sampling_penalty_repeat(sampling["repetition_penalty"])
    _add_tokenizer(writer, model_dir, config["vocab_size"])

    names = gguf.get_tensor_name_map(arch, config["num_hidden_layers"])
    for file in sorted(model_dir.glob(WEIGHTS)):  # the shards in order, not an adapter's beside them
        with safe_open(file, "pt") as weights:  # torch reads bfloat16, which numpy has no type for
            for hf_name in weights.keys():
                if hf_name == "lm_head.weight" and config.get("tie_word_embeddings"):
                    continue  # llama.cpp uses the token embeddings as the output layer when there is none
                gguf_tensor = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
                if gguf_tensor is None:
                    raise GgufError(f"{file}: tensor {hf_name} has no GGUF name for {config['model_type']}")
                data = weights.get_tensor(hf_name).to(torch.float32).numpy()
                encoded, raw_dtype = _encode(data, quantisation)
                writer.add_tensor(gguf_tensor, encoded, raw_dtype=raw_dtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return GgufFile(quantisation, out)


def _architecture(model_dir: Path, config: dict[str, Any]):
    import gguf

    model_type = config.get("model_type")
    if model_type not in ARCHITECTURES:
        raise GgufError(
            f"{model_dir / 'config.json'}: model_type {model_type!r} has no GGUF writer here "
            f"(written: {', '.join(ARCHITECTURES)})"
        )
    return getattr(gguf.MODEL_ARCH, ARCHITECTURES[model_type])


def _rope_theta(model_dir: Path, config: dict[str, Any]) -> float:
    # transformers 5 keeps rope settings in rope_parameters, earlier versions at the top level.
    rope = config.get("rope_parameters") or {"rope_theta": config.get("rope_theta", 10000.0),
                                              **(config.get("rope_scaling") or {})}
    kind = rope.get("rope_type", rope.get("type", "default"))
    if kind != "default":
        raise GgufError(f"{model_dir / 'config.json'}: rope scaling {kind!r} is not written to GGUF here")
    return float(rope["rope_theta"])


def _encode(data, quantisation: str):
    """A tensor's bytes and type: 1-D (norms, biases) F32; Q8_0 where rows fill whole blocks, else F16."""
    import gguf
    import numpy as np

    if data.ndim == 1:
        return data, None
    q8 = gguf.GGMLQuantizationType.Q8_0
    if quantisation == "Q8_0" and data.shape[-1] % gguf.GGML_QUANT_SIZES[q8][0] == 0:
        return gguf.quants.quantize(data, q8), q8
    return data.astype(np.float16), None


def _add_tokenizer(writer, model_dir: Path, vocab_size: int) -> None:
    """Byte-level BPE as llama.cpp's converter writes a Qwen2 tokenizer: every id up to the model's
    vocabulary size (padding ids the tokenizer lacks), special tokens CONTROL, merges, ids, template."""
    import gguf

    from bbcopilot.llm import load_tokenizer

    tokenizer = load_tokenizer(str(model_dir))
    by_id = {i: token for token, i in tokenizer.get_vocab().items()}
    if len(by_id) > vocab_size:
        raise GgufError(f"{model_dir}: the tokenizer has {len(by_id)} tokens, the model only {vocab_size} embeddings")
    added = tokenizer.added_tokens_decoder
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        elif i in added:
            tokens.append(added[i].content)
            types.append(gguf.TokenType.CONTROL if added[i].special else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.NORMAL)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    special = gguf.SpecialVocab(model_dir, load_merges=True, n_vocab=vocab_size)
    if not special.merges:
        raise GgufError(f"{model_dir / 'tokenizer.json'}: no BPE merges; llama.cpp could not tokenise")
    special.chat_template = portable_chat_template(tokenizer.chat_template)
    # Whether a BOS/EOS is added as the tokenizer does it (llama.cpp guesses otherwise, and Qwen adds neither).
    ids = tokenizer("a")["input_ids"]
    special.add_special_token.update(
        bos=tokenizer.bos_token_id is not None and ids[:1] == [tokenizer.bos_token_id],
        eos=tokenizer.eos_token_id is not None and ids[-1:] == [tokenizer.eos_token_id],
    )
    special.add_to_gguf(writer, quiet=True)


# ---------------------------------------------------------------- verification


def check_prompts(tokenizer) -> list[list[int]]:
    """The token ids of the check prompts: each as a conversation the assistant is asked, and raw."""
    ids = [tokenizer.apply_chat_template(chat(p), add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
           for p in CHECK_PROMPTS[:2]]
    return ids + [tokenizer(p)["input_ids"] for p in CHECK_PROMPTS[2:]]


def compare_logits(model_dir: Path, files: list[GgufFile]) -> dict[str, dict[str, Any]]:
    """Load each GGUF back with transformers; the largest logit difference to the safetensors model.

    Raises GgufError when a file's hyper-parameters are not the model's, its tokenizer reads a
    conversation into other ids or its logits differ by more than its `TOLERANCE`."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from bbcopilot.llm import load_tokenizer

    tokenizer = load_tokenizer(str(model_dir))
    prompts = check_prompts(tokenizer)
    reference = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    expected = _logits(reference, prompts)
    scale = max(float(l.abs().max()) for l in expected)
    results = {}
    config = AutoConfig.from_pretrained(model_dir)
    for file in files:
        back = AutoConfig.from_pretrained(file.path.parent, gguf_file=file.path.name)
        wrong = [f"{name} {getattr(back, name, None)} (model: {getattr(config, name)})" for name in ARCHITECTURE_FIELDS
                 if getattr(back, name, None) != getattr(config, name)]
        wrong += [f"{name} {a} (model: {b})" for name, a, b in (
            ("rms_norm_eps", back.rms_norm_eps, config.rms_norm_eps),
            ("rope_theta", back.rope_parameters["rope_theta"], _rope_theta(model_dir, config.to_dict())),
        ) if not math.isclose(a, b, rel_tol=1e-6)]  # stored as float32
        if wrong:
            raise GgufError(f"{file.path}: read back with " + ", ".join(wrong))
        back_tokenizer = AutoTokenizer.from_pretrained(file.path.parent, gguf_file=file.path.name)
        turns = chat(CHECK_PROMPTS[1]) + [{"role": "assistant", "content": CHECK_PROMPTS[2]}]
        if _chat_ids(back_tokenizer, turns) != _chat_ids(tokenizer, turns):
            raise GgufError(f"{file.path}: its tokenizer and chat template read a conversation into other ids than the model's")
        model = AutoModelForCausalLM.from_pretrained(file.path.parent, gguf_file=file.path.name, dtype=torch.float32)
        got = _logits(model, prompts)
        difference = max(float((a - b).abs().max()) for a, b in zip(expected, got))
        same_argmax = sum(int((a.argmax(-1) == b.argmax(-1)).sum()) for a, b in zip(expected, got))
        results[file.quantisation] = {
            "file": file.path.name,
            "megabytes": file.megabytes,
            "max_logit_difference": difference,
            "relative_difference": difference / scale,
            "tolerance": TOLERANCE[file.quantisation],
            "argmax_agreement": same_argmax / sum(len(ids) for ids in prompts),
        }
        if difference > TOLERANCE[file.quantisation] * scale:
            raise GgufError(
                f"{file.path}: logits differ from the safetensors model's by up to {difference:.4g} "
                f"({difference / scale:.2%} of the largest logit {scale:.4g}; tolerance {TOLERANCE[file.quantisation]:.1%})"
            )
        del model
    return results


def _chat_ids(tokenizer, turns) -> list[int]:
    return tokenizer.apply_chat_template(turns, tokenize=True, return_dict=True)["input_ids"]


def _logits(model, prompts: list[list[int]]):
    import torch

    with torch.no_grad():
        return [model(torch.tensor([ids])).logits[0] for ids in prompts]


def llama_cpp_check(model_dir: Path, files: list[GgufFile]) -> dict[str, Any]:
    """llama.cpp (llama-cpp-python) loads each file, tokenises the prompts as the model's tokenizer
    does, and decodes greedily; tokens compared with transformers' greedy decoding of the
    safetensors model. Skipped, with the reason, where llama-cpp-python is not installed."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return {"state": "skipped: llama-cpp-python is not installed (an optional, slow set-up step: "
                         "`.venv/bin/pip install llama-cpp-python==0.3.36`; it builds llama.cpp from source)"}
    import torch
    from transformers import AutoModelForCausalLM

    from bbcopilot.llm import load_tokenizer

    tokenizer = load_tokenizer(str(model_dir))
    reference = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    prompts = check_prompts(tokenizer)
    # Greedy by hand: llama.cpp's generate stops at nothing, so neither may this (no eos, no minimum).
    expected = []
    for ids in prompts:
        sequence = list(ids)
        with torch.no_grad():
            for _ in range(GREEDY_TOKENS):
                sequence.append(int(reference(torch.tensor([sequence])).logits[0, -1].argmax()))
        expected.append(sequence[len(ids):])
    equal: dict[str, str] = {}
    for file in files:
        llama = Llama(model_path=str(file.path), n_ctx=512, verbose=False, seed=0)
        # The raw prompts, and a conversation rendered by the chat template (its special tokens).
        rendered = tokenizer.apply_chat_template(chat(CHECK_PROMPTS[0]), tokenize=False, add_generation_prompt=True)
        for text in (*CHECK_PROMPTS, rendered):
            ours = tokenizer(text, add_special_tokens=False)["input_ids"]
            theirs = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)
            if ours != theirs:
                raise GgufError(f"{file.path}: llama.cpp tokenises {text!r} as {theirs[:12]}..., "
                                f"the model's tokenizer as {ours[:12]}...")
        same = 0
        for ids, wanted in zip(prompts, expected):
            got = []
            for token in llama.generate(ids, temp=0.0, top_k=1, reset=True):
                got.append(token)
                if len(got) == len(wanted):
                    break
            same += next((i for i, (a, b) in enumerate(zip(wanted, got)) if a != b), len(wanted))
        equal[file.quantisation] = f"{same}/{sum(map(len, expected))}"
        del llama
    # Tokens equal before the first difference, summed over the prompts.
    return {"state": "ran", "greedy_tokens_equal": equal}

