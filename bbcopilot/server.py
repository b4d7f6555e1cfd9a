"""A thin OpenAI-compatible server for a local causal LM: `bbcopilot serve MODEL_DIR`.

`bbcopilot serve MODEL_DIR --host 127.0.0.1 --port P` (or `python -m bbcopilot.server MODEL_DIR ...`,
which `serving.served_model` launches) serves `GET /health`, `GET /v1/models` and
`POST /v1/chat/completions`, streamed as OpenAI streams (server-sent `chat.completion.chunk`
events, then `data: [DONE]`) or not, with the project's one chat template (`llm.load_tokenizer`).
A `json_schema` (or `json_object`) response format is enforced while decoding with
lm-format-enforcer, so even an untrained model writes JSON that parses and validates against the
schema, as vLLM or llama.cpp's server guarantee for a real one. One model serves one generation at
a time: concurrent requests queue on a lock rather than interleave on the model; a client that
goes away mid-stream stops its generation within a token.

It listens on loopback only unless `allow_remote`; with an API key (`--api-key`, or the
environment's BBCOPILOT_SERVE_API_KEY) every route but /health wants `Authorization: Bearer KEY`.
Only safetensors weights are loaded: a pickle checkpoint can run code when unpickled.
"""

from __future__ import annotations

import argparse
import errno
import hmac
import ipaddress
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bbcopilot.errors import BBCopilotError, InputError
from bbcopilot.model_folder import ModelFolder, model_folder
from bbcopilot.serving import API_KEY_VARIABLE

log = logging.getLogger(__name__)
DEFAULT_MAX_TOKENS = 512
# Whitespace the enforcer allows in a row (its default, 12, lets a weak model spend its token budget
# on indentation).
MAX_JSON_WHITESPACE = 1
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class JsonSchemaFormat(BaseModel):
    name: str = "response"
    strict: bool | None = None
    schema_: dict[str, Any] = Field(alias="schema")


class ResponseFormat(BaseModel):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    """The fields of OpenAI's chat completion request this server acts on; others are ignored,
    except those it cannot honour, which `unsupported` refuses."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    # None: the model's own generation_config.json decides (an export's evaluated sampling defaults).
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(default=1, ge=1)
    stop: str | list[str] | None = None
    response_format: ResponseFormat | None = None

    @property
    def stops(self) -> list[str]:
        return [self.stop] if isinstance(self.stop, str) else [stop for stop in self.stop or [] if stop]

    def unsupported(self) -> str | None:
        if self.n > 1:
            return "n > 1 is not supported by this server"
        if self.response_format and self.response_format.type == "json_schema" and not self.response_format.json_schema:
            return "response_format json_schema needs a json_schema object with a schema"
        return None


class RequestError(Exception):
    """A request this server refuses: answered 400 with the message, OpenAI's error shape."""


def error_body(message: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


# ---- the model (its folder checked by bbcopilot.model_folder) --------------------------------


def load_model(folder: ModelFolder):
    """The folder's causal LM, an adapter merged into its base; safetensors only."""
    from transformers import AutoModelForCausalLM

    if folder.base is None:
        return AutoModelForCausalLM.from_pretrained(folder.path, dtype="auto", use_safetensors=True)
    from peft import PeftModel

    try:
        base = AutoModelForCausalLM.from_pretrained(folder.base, dtype="auto", use_safetensors=True)
    except OSError as error:  # a hub id neither cached nor reachable
        raise InputError(str(folder.path), f"the adapter's base model {folder.base} cannot be loaded: "
                         f"{str(error).splitlines()[0]}") from None
    return PeftModel.from_pretrained(base, folder.path).merge_and_unload()


# ---- generation ------------------------------------------------------------------------------

class ChatModel:
    """A causal LM, its tokenizer and chat template, and the token data the JSON enforcer needs."""

    def __init__(self, model_path: str, device: str):
        from bbcopilot.llm import load_tokenizer, torch_device

        folder = model_folder(model_path)
        self.name = model_path
        self.tokenizer = load_tokenizer(folder.tokenizer_path)
        self.model = load_model(folder)
        self.model.to(torch_device(device)).eval()
        # Built once: walking the vocabulary is the enforcer's costly step on a real tokenizer.
        self.enforcer_data = enforcer_tokenizer_data(self.tokenizer, len(self.tokenizer))
        self.lock = threading.Lock()

    def json_enforcer(self, response_format: ResponseFormat | None):
        """The token enforcer of a response format, or None for unconstrained text."""
        from jsonschema import SchemaError, validators
        from lmformatenforcer import CharacterLevelParserConfig, JsonSchemaParser, TokenEnforcer

        if response_format is None or response_format.type == "text":
            return None
        schema = {"type": "object"} if response_format.type == "json_object" else response_format.json_schema.schema_
        try:
            validators.validator_for(schema).check_schema(schema)
            # The parser reads its in-string alphabet from the config it is built with, and the
            # enforcer then swaps in a config of its own: both must hold the tokenizer's alphabet
            # (else a string's first character, while minLength is unmet, could only be ASCII
            # though the enforcer offers any token), and ours also bounds the whitespace.
            config = CharacterLevelParserConfig(
                alphabet=self.enforcer_data.tokenizer_alphabet, max_consecutive_whitespaces=MAX_JSON_WHITESPACE,
            )
            parser = JsonSchemaParser(with_room_for_leading_whitespace(schema), config)
        except (SchemaError, ValueError, TypeError, KeyError) as error:
            raise RequestError(f"response_format schema is invalid: {str(error).splitlines()[0]}") from error
        enforcer = TokenEnforcer(self.enforcer_data, parser)
        parser.config = config
        return enforcer

    def prompt_inputs(self, messages: list[dict]):
        """The model's input for a conversation: the one chat template's tokens, ready to generate from."""
        return self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.model.device)

    def complete(self, request: ChatRequest) -> dict:
        """The whole reply in OpenAI's `chat.completion` shape."""
        generation = Generation(self, request)
        content = "".join(generation.pieces())
        return {
            "id": generation.id,
            "object": "chat.completion",
            "created": generation.created,
            "model": self.name,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": generation.finish_reason,
            }],
            "usage": generation.usage(),
        }

    def stop_ids(self) -> set[int]:
        eos = self.model.generation_config.eos_token_id
        ids = eos if isinstance(eos, list) else [eos]
        return {token for token in [*ids, self.tokenizer.eos_token_id] if token is not None}


class StopText:
    """Text as it streams, cut before the first stop sequence: what could still be the start of one
    is held back until the next piece tells."""

    def __init__(self, stops: list[str]):
        self.stops = stops
        self.held = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """The part of `text` (after what was held) that may be sent now."""
        if self.stopped:
            return ""
        self.held += text
        found = [at for at in (self.held.find(stop) for stop in self.stops) if at >= 0]
        if found:
            self.stopped = True
            sent, self.held = self.held[:min(found)], ""
            return sent
        keep = max((k for stop in self.stops for k in range(1, len(stop)) if self.held.endswith(stop[:k])), default=0)
        cut = len(self.held) - keep
        sent, self.held = self.held[:cut], self.held[cut:]
        return sent

    def flush(self) -> str:
        sent, self.held = self.held, ""
        return sent


class Generation:
    """One request's generation, in a thread of its own; `pieces()` yields its text as it comes.

    Everything a request can get wrong (its schema) is refused here, before anything is sent.
    `cancel()` (a stop sequence seen, or the client gone) ends `generate` within a token, which
    frees the model for the next request.
    """

    def __init__(self, chat_model: ChatModel, request: ChatRequest):
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        self.chat_model, self.request = chat_model, request
        self.id, self.created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        enforcer = chat_model.json_enforcer(request.response_format)
        self.inputs = chat_model.prompt_inputs([message.model_dump() for message in request.messages])
        self.max_tokens = request.max_completion_tokens or request.max_tokens or DEFAULT_MAX_TOKENS
        self.stop_text = StopText(request.stops)
        self.cancelled = threading.Event()
        self.finished = threading.Event()  # the client got the whole reply
        self.client_gone = False
        self.tokens: list[int] = []
        self.failure: Exception | None = None
        cancelled = self.cancelled

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool, device=input_ids.device)

        tokenizer = chat_model.tokenizer
        # A long timeout only so that a generation thread that died silently cannot hang a request forever.
        self.streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, timeout=600, skip_special_tokens=True)
        defaults = chat_model.model.generation_config
        temperature = request.temperature if request.temperature is not None else (
            defaults.temperature if defaults.do_sample else 0.0)
        sampling = (
            {"do_sample": True, "temperature": temperature, "top_p": request.top_p or defaults.top_p or 1.0}
            if temperature > 0 else {"do_sample": False}
        )
        constraint = {"prefix_allowed_tokens_fn": allowed_tokens_fn(enforcer)} if enforcer else {}
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        # top_k=None: OpenAI's API has no top-k, so a model's generation_config default must not apply.
        self.arguments = dict(
            **self.inputs, max_new_tokens=self.max_tokens, pad_token_id=pad, top_k=None, streamer=self.streamer,
            stopping_criteria=StoppingCriteriaList([Cancelled()]), **sampling, **constraint,
        )
        self.thread = threading.Thread(target=self._generate, name="generation", daemon=True)
        self.thread.start()

    def _generate(self) -> None:
        import torch

        try:
            with self.chat_model.lock, torch.inference_mode():
                if self.request.seed is not None:
                    torch.manual_seed(self.request.seed)
                output = self.chat_model.model.generate(**self.arguments)
            self.tokens = output[0, self.prompt_tokens:].tolist()
            if self.client_gone:
                log.info("the client went away mid-stream: generation stopped after %d of at most %d tokens",
                         len(self.tokens), self.max_tokens)
        except RuntimeError as error:  # torch's failures (out of memory, a device error) are RuntimeErrors
            self.failure = error
            self.streamer.end()  # the reader waits on the streamer: wake it

    @property
    def prompt_tokens(self) -> int:
        return self.inputs["input_ids"].shape[1]

    def pieces(self) -> Iterator[str]:
        """The reply's text, piece by piece, cut before a stop sequence; RuntimeError if generation failed."""
        for text in self.streamer:
            if sent := self.stop_text.feed(text):
                yield sent
            if self.stop_text.stopped:
                self.cancelled.set()
                break
        if not self.stop_text.stopped and (rest := self.stop_text.flush()):
            yield rest
        self.thread.join()
        if self.failure is not None:
            raise RuntimeError(f"generation failed: {self.failure}") from self.failure
        self.finished.set()

    def cancel(self) -> None:
        """Stop generating: after the whole reply was sent this does nothing; before, the client went away."""
        if not self.finished.is_set():
            self.client_gone = True
        self.cancelled.set()

    @property
    def finish_reason(self) -> str:
        ended = bool(self.tokens) and self.tokens[-1] in self.chat_model.stop_ids()
        return "stop" if self.stop_text.stopped or ended or len(self.tokens) < self.max_tokens else "length"

    def usage(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": len(self.tokens),
                "total_tokens": self.prompt_tokens + len(self.tokens)}

    def events(self) -> Iterator[str]:
        """The reply as OpenAI streams it: server-sent `chat.completion.chunk` events, then [DONE]."""
        yield self._event({"role": "assistant", "content": ""})
        try:
            for text in self.pieces():
                yield self._event({"content": text})
        except RuntimeError as error:
            log.error("%s", error)
            yield _sse({"error": {"message": str(error), "type": "server_error", "param": None, "code": None}})
            return
        yield self._event({}, self.finish_reason)
        if self.request.stream_options and self.request.stream_options.include_usage:
            yield _sse({**self._chunk(), "choices": [], "usage": self.usage()})
        yield "data: [DONE]\n\n"

    def _chunk(self) -> dict:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.chat_model.name}

    def _event(self, delta: dict, finish_reason: str | None = None) -> str:
        return _sse({**self._chunk(), "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})


def _sse(payload: dict) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


# lm-format-enforcer's own transformers integration imports `transformers.tokenization_utils`,
# which transformers 5 removed; these two functions are that integration's glue, on its core API.
def enforcer_tokenizer_data(tokenizer, vocab_size: int):
    """Every regular token's text as the enforcer needs it: decoded after a "0" token, so a token
    that starts a word keeps its leading space."""
    from lmformatenforcer import TokenEnforcerTokenizerData

    zero = tokenizer.encode("0", add_special_tokens=False)[-1]
    special = set(tokenizer.all_special_ids)
    regular_tokens = []
    for token in range(vocab_size):
        after_zero = tokenizer.decode([zero, token])[1:]
        # Left out, as the enforcer mishandles them: a token with a control character, newline and
        # tab included (it lets one into a JSON string, where JSON forbids it raw, and then loses
        # its place; between JSON tokens a space is all the whitespace needed), and a piece of a
        # multi-byte character (the enforcer reads text, and half a character decodes to U+FFFD).
        if token in special or CONTROL_CHARACTER.search(after_zero) or "\ufffd" in after_zero:
            continue
        regular_tokens.append((token, after_zero, len(after_zero) > len(tokenizer.decode([token]))))

    data = TokenEnforcerTokenizerData(regular_tokens, tokenizer.decode, tokenizer.eos_token_id, False, vocab_size)
    # The enforcer lets any token into a JSON string but then accepts only its alphabet's characters
    # there, and that alphabet is the single-character tokens': a string holding a character no
    # token has alone (common in a small vocabulary) would end the JSON in its eyes, mid-string.
    data.tokenizer_alphabet = "".join(sorted({char for _, text, _ in regular_tokens for char in text}))
    return data


def with_room_for_leading_whitespace(schema):
    """`schema` with every maxLength lowered by MAX_JSON_WHITESPACE: the enforcer does not count
    whitespace just after a string's opening quote, so a string could otherwise end that much too long."""
    if isinstance(schema, list):
        return [with_room_for_leading_whitespace(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    lowered = {key: with_room_for_leading_whitespace(value) for key, value in schema.items()}
    if isinstance(schema.get("maxLength"), int):
        lowered["maxLength"] = max(schema["maxLength"] - MAX_JSON_WHITESPACE, schema.get("minLength", 0))
    return lowered


def allowed_tokens_fn(enforcer):
    """`generate`'s prefix_allowed_tokens_fn: the tokens that keep the output a prefix of valid JSON."""
    return lambda batch_id, sequence: enforcer.get_allowed_tokens(sequence.tolist()).allowed_tokens


class ApiKeyMiddleware:
    """Every route but /health wants `Authorization: Bearer KEY`; others get OpenAI's 401. A plain
    ASGI middleware (not `@app.middleware`), so a streamed reply still sees its client disconnect."""

    def __init__(self, app, api_key: str):
        self.app, self.api_key = app, api_key.encode()

    async def __call__(self, scope, receive, send):
        from starlette.datastructures import Headers
        from starlette.responses import JSONResponse

        if scope["type"] == "http" and scope["path"] != "/health":
            scheme, _, given = Headers(scope=scope).get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.api_key):
                log.warning("refused a request to %s: no valid API key", scope["path"])
                response = JSONResponse(
                    status_code=401, headers={"WWW-Authenticate": "Bearer"},
                    content=error_body("a valid API key is required: Authorization: Bearer KEY", code="invalid_api_key"),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(chat_model: ChatModel, api_key: str | None = None):
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.background import BackgroundTask

    app = FastAPI(title="bbcopilot model server")
    if api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=api_key)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if part != "body")
        log.warning("refused a request: %s: %s", where, first["msg"])
        return JSONResponse(status_code=400, content=error_body(f"{where}: {first['msg']}", where or None))

    @app.exception_handler(RequestError)
    async def refused(request: Request, error: RequestError):
        log.warning("refused a request: %s", error)
        return JSONResponse(status_code=400, content=error_body(str(error)))

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": [
            {"id": chat_model.name, "object": "model", "created": 0, "owned_by": "bbcopilot"},
        ]}

    # A plain (not async) handler: FastAPI runs it in its thread pool, so a generation waiting on
    # the model's lock never blocks the event loop that answers /v1/models.
    @app.post("/v1/chat/completions")
    def chat_completions(request: ChatRequest):
        if problem := request.unsupported():
            raise RequestError(problem)
        if not request.stream:
            return chat_model.complete(request)
        generation = Generation(chat_model, request)
        # The background task runs once the stream ends, sent whole or cut by the client's going.
        return StreamingResponse(generation.events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"}, background=BackgroundTask(generation.cancel))

    return app


# ---- listening -------------------------------------------------------------------------------

def check_host(host: str, allow_remote: bool) -> bool:
    """Whether `host` names an address other machines can reach; BBCopilotError for one unless `allow_remote`."""
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})
    except socket.gaierror as error:
        raise BBCopilotError(f"--host {host}: not an address or a known host name ({error.strerror})") from None
    remote = [address for address in addresses if not ipaddress.ip_address(address.split("%")[0]).is_loopback]
    if remote and not allow_remote:
        raise BBCopilotError(
            f"--host {host}: refusing to listen on {', '.join(remote)}, which other machines can reach; "
            "pass --allow-remote to do so (and set an API key), or keep the default 127.0.0.1"
        )
    return bool(remote)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, before the model loads: a port in use is one clear error at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise BBCopilotError(f"{host}:{port} is already in use (another server?): choose another --port") from None
        raise BBCopilotError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return listener


def serve(model_dir: str, host: str = "127.0.0.1", port: int = 8000, *, api_key: str | None = None,
          allow_remote: bool = False, device: str = "auto") -> None:
    """Serve the model in `model_dir` until interrupted. Each bad input (the folder, the host, the
    port) is a BBCopilotError before the model loads."""
    import uvicorn

    model_folder(model_dir)
    remote = check_host(host, allow_remote)
    listener = listen(host, port)
    try:
        if remote and not api_key:
            log.warning("listening on %s with no API key: anyone who can reach it can use the model", host)
        app = create_app(ChatModel(model_dir, device), api_key)
        bound = listener.getsockname()
        log.info("serving %s at http://%s:%d/v1%s", model_dir, host, bound[1], " (API key required)" if api_key else "")
        uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[listener])
    finally:
        listener.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--allow-remote", action="store_true", help="Allow a --host other machines can reach.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    # The key only from the environment: a command line is visible to every user of the machine.
    try:
        serve(args.model_dir, args.host, args.port, api_key=os.environ.get(API_KEY_VARIABLE) or None,
              allow_remote=args.allow_remote, device=args.device)
    except BBCopilotError as error:
        log.error("%s", error)
        sys.exit(2)


if __name__ == "__main__":
    main()
