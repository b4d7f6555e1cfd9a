"""`bbcopilot serve` (bbcopilot.server) on 127.0.0.1, answering the real `openai` client, streamed and
not; its API key, /health, and each bad input: one clear message, and the server keeps serving."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from bbcopilot.serving import API_KEY_VARIABLE, free_port
from conftest import wait_until_up

BBCOPILOT = [str(Path(sys.executable).parent / "bbcopilot")]  # the installed command
KEY = "test-key-not-a-secret"
MESSAGES = [{"role": "user", "content": "Write a module that prints Hello"}]


@pytest.fixture(scope="module")
def server(tiny_model, tmp_path_factory):
    """`bbcopilot serve` of the tiny model with an API key; yields (base URL, its log file)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([*BBCOPILOT, "serve", str(tiny_model), "--port", str(port), "--device", "cpu"],
                                   stdout=log, stderr=subprocess.STDOUT, env={**os.environ, API_KEY_VARIABLE: KEY})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", 120)
        yield f"http://127.0.0.1:{port}/v1", log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server[0], api_key=KEY, max_retries=0, timeout=60)


def model_id(client) -> str:
    return client.models.list().data[0].id


def test_health_answers_without_the_key(server):
    reply = httpx.get(server[0].removesuffix("/v1") + "/health", timeout=10)
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}


def test_every_api_route_wants_the_key(server, tiny_model):
    wrong = openai.OpenAI(base_url=server[0], api_key="wrong-key", max_retries=0, timeout=30)
    with pytest.raises(openai.AuthenticationError, match="API key"):
        wrong.models.list()
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model="m", messages=MESSAGES, max_tokens=2, stream=True)
    unsigned = httpx.post(f"{server[0]}/chat/completions", json={"messages": MESSAGES}, timeout=10)
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "invalid_api_key"
    assert KEY not in server[1].read_text()  # never logged


def test_models_lists_the_served_model(client, tiny_model):
    assert model_id(client) == str(tiny_model)


def test_streamed_reply_is_the_non_streamed_one_in_chunks(client):
    asked = dict(model=model_id(client), messages=MESSAGES, max_tokens=24, temperature=1.0, seed=3)
    whole = client.chat.completions.create(**asked)
    chunks = list(client.chat.completions.create(**asked, stream=True, stream_options={"include_usage": True}))
    assert whole.object == "chat.completion" and whole.usage.completion_tokens == 24
    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    assert chunks[0].choices[0].delta.role == "assistant"
    texts = [chunk.choices[0].delta.content for chunk in chunks if chunk.choices and chunk.choices[0].delta.content]
    assert len(texts) > 1 and "".join(texts) == whole.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == whole.choices[0].finish_reason
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens


def test_a_stop_sequence_ends_the_reply_before_it(client):
    asked = dict(model=model_id(client), messages=MESSAGES, max_tokens=40, temperature=1.0, seed=5)
    text = client.chat.completions.create(**asked).choices[0].message.content
    stop = text[len(text) // 2:len(text) // 2 + 3]
    expected = text[:text.index(stop)]
    stopped = client.chat.completions.create(**asked, stop=[stop])
    assert stopped.choices[0].message.content == expected and stopped.choices[0].finish_reason == "stop"
    streamed = client.chat.completions.create(**asked, stop=stop, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == expected


def test_a_client_gone_mid_stream_stops_its_generation_and_the_next_is_served(server, client):
    """3000 greedy tokens of the tiny model take minutes: only a stopped generation frees the model
    for the next request within its 30 s."""
    with httpx.Client(timeout=30) as http, http.stream(
        "POST", f"{server[0]}/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
        json={"messages": MESSAGES, "max_tokens": 3000, "temperature": 0, "stream": True},
    ) as stream:
        events = [line for line, _ in zip(stream.iter_lines(), range(6)) if line.startswith("data: ")]
    assert json.loads(events[0].removeprefix("data: "))["object"] == "chat.completion.chunk"
    started = time.monotonic()
    reply = openai.OpenAI(base_url=server[0], api_key=KEY, max_retries=0, timeout=30).chat.completions.create(
        model=model_id(client), messages=MESSAGES, max_tokens=4, temperature=0)
    assert reply.choices[0].message.content is not None and time.monotonic() - started < 30
    logged = server[1].read_text()
    assert "the client went away mid-stream: generation stopped after" in logged
    stopped_after = int(logged.split("generation stopped after ")[1].split()[0])
    assert stopped_after < 3000


# ---- bad input: one clear line, exit 2, before any model loads --------------------------------

def serve_fails(*arguments: str) -> str:
    done = subprocess.run([*BBCOPILOT, "serve", *arguments], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    return done.stderr


def copy_without(tiny_model: Path, folder: Path, *left_out: str) -> Path:
    folder.mkdir()
    for path in tiny_model.iterdir():
        if path.name not in left_out:
            shutil.copy(path, folder / path.name)
    return folder


def test_a_folder_without_weights_is_refused(tiny_model, tmp_path):
    assert "has no weights (model*.safetensors)" in serve_fails(str(copy_without(tiny_model, tmp_path / "m", "model.safetensors")))


def test_a_folder_without_a_tokenizer_is_refused(tiny_model, tmp_path):
    folder = copy_without(tiny_model, tmp_path / "m", "tokenizer.json", "tokenizer_config.json")
    assert "no tokenizer" in serve_fails(str(folder))


def test_a_pickle_checkpoint_is_refused(tiny_model, tmp_path):
    folder = copy_without(tiny_model, tmp_path / "m", "model.safetensors")
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04not really loaded")
    message = serve_fails(str(folder))
    assert "pytorch_model.bin is a pickle-format checkpoint, refused" in message and "safetensors" in message


def test_an_adapter_whose_base_is_missing_is_refused(tmp_path):
    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(tmp_path / "gone")}))
    (folder / "adapter_model.safetensors").write_bytes(b"")
    assert f"an adapter whose base model {tmp_path / 'gone'} is missing" in serve_fails(str(folder))


def test_a_port_in_use_is_refused(tiny_model):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert f"127.0.0.1:{port} is already in use" in serve_fails(str(tiny_model), "--port", str(port))


def test_a_remote_address_needs_allow_remote(tiny_model):
    assert "--allow-remote" in serve_fails(str(tiny_model), "--host", "0.0.0.0")


def test_an_adapter_is_served_merged_into_its_base(tiny_model, tmp_path):
    """A fresh LoRA adapter changes nothing (its B matrices are zero): served, it answers as its base."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from bbcopilot.server import ChatModel, ChatRequest

    adapter = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model), LoraConfig(r=4, target_modules="all-linear"))
    adapter.save_pretrained(tmp_path / "adapter")
    request = ChatRequest(messages=MESSAGES, max_tokens=12, temperature=1.0, seed=7)
    served = ChatModel(str(tmp_path / "adapter"), "cpu")
    assert type(served.model).__name__ == "Qwen2ForCausalLM"  # merged, not a PeftModel
    assert served.complete(request)["choices"] == ChatModel(str(tiny_model), "cpu").complete(request)["choices"]
