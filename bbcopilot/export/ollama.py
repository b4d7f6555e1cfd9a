"""Ollama: a `Modelfile` beside the GGUF, its TEMPLATE derived from the one chat template.

Ollama renders prompts with Go's text/template, not Jinja. The TEMPLATE is not written by
hand: the chat template is rendered (through the tokenizer, exactly as training renders it) for
one message whose role and content are placeholders, and for the generation prompt alone; the
text around the placeholders is each message's frame. That is sound only for a template that
frames every message alike whatever its role and position (ChatML does), so the derivation
first checks that conversations of every role render as their frames laid end to end, and
refuses a template that does not. `tests/test_export.py` renders the TEMPLATE for a conversation
with a reader of the Go template syntax and compares it with the Jinja rendering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bbcopilot.errors import BBCopilotError

MODELFILE = "Modelfile"
ROLE, CONTENT = "\x00role\x00", "\x00content\x00"
# The conversations the derivation must reproduce: each role, alone and in the orders chats take.
CHECK_CONVERSATIONS = (
    [("system", "S"), ("user", "U"), ("assistant", "A"), ("user", "U2")],
    [("user", "U")],
    [("user", "U"), ("assistant", "A")],
)


class OllamaError(BBCopilotError):
    """The chat template cannot be expressed as an Ollama TEMPLATE."""


def go_template(tokenizer) -> str:
    """The tokenizer's chat template as a Go template over Ollama's `.Messages`."""

    def render(messages: list[dict[str, str]], prompt: bool) -> str:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=prompt)

    frame = render([{"role": ROLE, "content": CONTENT}], False)
    generation_prompt = render([{"role": ROLE, "content": CONTENT}], True)[len(frame):]
    if frame.count(ROLE) != 1 or frame.count(CONTENT) != 1:
        raise OllamaError(f"the chat template writes a message's role {frame.count(ROLE)} and its content "
                          f"{frame.count(CONTENT)} times; an Ollama TEMPLATE needs each once")
    for turns in CHECK_CONVERSATIONS:
        messages = [{"role": role, "content": content} for role, content in turns]
        framed = "".join(frame.replace(ROLE, role).replace(CONTENT, content) for role, content in turns)
        if render(messages, True) != framed + generation_prompt:
            roles = ", ".join(role for role, _ in turns)
            raise OllamaError(f"the chat template does not frame every message alike ({roles}); "
                              "no Ollama TEMPLATE is derived from it")
    if "{{" in frame + generation_prompt or "}}" in frame + generation_prompt:
        raise OllamaError("the chat template's text holds '{{' or '}}', which Go templates would read as actions")
    body = frame.replace(ROLE, "{{ .Role }}").replace(CONTENT, "{{ .Content }}")
    return "{{- range .Messages }}" + body + "{{ end }}" + generation_prompt


def modelfile(gguf_file: str, template: str, sampling: dict[str, Any], stops: list[str], system: str) -> str:
    """The Modelfile text: FROM the GGUF beside it, TEMPLATE, sampling PARAMETERs, stop tokens, SYSTEM."""
    for name, text in (("TEMPLATE", template), ("SYSTEM", system)):
        if '"""' in text:
            raise OllamaError(f"the {name} text holds '\"\"\"', which ends a Modelfile block early")
    lines = [
        f"# bbcopilot for Ollama: `ollama create bbcopilot -f {MODELFILE}`, then `ollama run bbcopilot`.",
        f"FROM ./{gguf_file}",
        f'TEMPLATE """{template}"""',
        # Ollama's own defaults (top_k 40, top_p 0.9, repeat_penalty 1.1) are not what was evaluated.
        f"PARAMETER temperature {sampling['temperature']}",
        f"PARAMETER top_p {sampling['top_p']}",
        f"PARAMETER top_k {sampling['top_k']}",
        f"PARAMETER repeat_penalty {sampling['repetition_penalty']}",
        *(f'PARAMETER stop "{stop}"' for stop in stops),
        f'SYSTEM """{system}"""',
    ]
    return "\n".join(lines) + "\n"


def write_modelfile(folder: Path, gguf_file: str, tokenizer, sampling: dict[str, Any], stops: list[str],
                    system: str) -> Path:
    path = folder / MODELFILE
    path.write_text(modelfile(gguf_file, go_template(tokenizer), sampling, stops, system), encoding="utf-8")
    return path
