"""The language models the pipeline talks to, and the one builder of the assistant's message list.

A generator turns conversations into replies: `LocalGenerator` runs a causal LM in-process with
transformers (fully offline), `EndpointGenerator` asks any OpenAI-compatible server (vLLM,
`transformers serve`, a hosted Qwen) one conversation at a time. QA generation sends many requests at
once through `bbcopilot.qa.client` instead; the evaluation and its judge use these.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

Messages = list[dict[str, str]]
# In a folder of its own: a file beside the package's __init__ would count as data of every module. Each
# named by one string, so that a stage's code version counts the file it reads, not the whole folder.
SYSTEM_PROMPT = Path(__file__).parent / "prompts/system.txt"
CHAT_TEMPLATE = Path(__file__).parent / "prompts/chat_template.jinja"


def system_prompt() -> str:
    return SYSTEM_PROMPT.read_text(encoding="utf-8")


def chat_template() -> str:
    return CHAT_TEMPLATE.read_text(encoding="utf-8")


def load_tokenizer(model_path: str, revision: str | None = None, **kwargs):
    """A model's tokenizer with the project's one chat template (`prompts/chat_template.jinja`).

    Training, the evaluation, the local server and the export all load through here, so a
    conversation becomes the same token ids on every path (tests/test_chat_template.py), whatever
    template a hub model ships with.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path, revision=revision, **kwargs)
    tokenizer.chat_template = chat_template()
    return tokenizer


def conversation(turns: Messages) -> Messages:
    """Turns as the assistant sees them: the project's system prompt, then `turns`.

    The one builder of that message list: QA generation (the ungrounded answer), QA SFT, DPO and
    the evaluation all ask through it, so the DPO negative is generated with exactly the prompt
    that training and evaluation show the model.
    """
    return [{"role": "system", "content": system_prompt()}, *turns]


def chat(content: str) -> Messages:
    """One user turn as the assistant is asked: `conversation` of that turn alone."""
    return conversation([{"role": "user", "content": content}])


class Generator(Protocol):
    def __call__(self, conversations: Sequence[Messages], max_new_tokens: int, temperature: float) -> list[str]: ...


def torch_device(device: str) -> str:
    """The torch device of a `model.device` setting: auto = CUDA when there is one."""
    import torch

    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


class LocalGenerator:
    """Batched generation with a local causal LM and its chat template."""

    def __init__(self, model_path: str, batch_size: int = 8, revision: str | None = None, device: str = "auto"):
        from transformers import AutoModelForCausalLM

        self.tokenizer = load_tokenizer(model_path, revision, padding_side="left")
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype="auto", revision=revision)
        self.model.to(torch_device(device)).eval()
        self.batch_size = batch_size

    def prompt_inputs(self, conversations: Sequence[Messages]):
        """A batch of conversations as the model's input (the one chat template, left-padded), ready to generate from."""
        return self.tokenizer.apply_chat_template(
            list(conversations), add_generation_prompt=True, padding=True, return_tensors="pt", return_dict=True
        ).to(self.model.device)

    def __call__(self, conversations: Sequence[Messages], max_new_tokens: int, temperature: float) -> list[str]:
        import torch

        outputs = []
        for start in range(0, len(conversations), self.batch_size):
            batch = conversations[start : start + self.batch_size]
            inputs = self.prompt_inputs(batch)
            with torch.no_grad():
                generated = self.model.generate(
                    **inputs,
                    max_new_tokens=max_new_tokens,
                    do_sample=temperature > 0,
                    temperature=temperature if temperature > 0 else None,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            new_tokens = generated[:, inputs["input_ids"].shape[1] :]
            outputs += self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return outputs


class EndpointGenerator:
    """Chat completions from an OpenAI-compatible server (the API key is a secret, never logged)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float = 120.0):
        from openai import OpenAI

        # Retries belong to the Prefect task around this; one attempt here.
        self.client = OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)
        self.model = model

    def __call__(self, conversations: Sequence[Messages], max_new_tokens: int, temperature: float) -> list[str]:
        outputs = []
        for messages in conversations:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_new_tokens, temperature=temperature
            )
            outputs.append(response.choices[0].message.content or "")
        return outputs
