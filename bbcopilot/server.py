"""A thin OpenAI-compatible server for a local causal LM that honours `response_format`.

`python -m bbcopilot.server MODEL_DIR --host 127.0.0.1 --port P --device cpu` serves
`GET /v1/models` and a non-streaming `POST /v1/chat/completions`. A `json_schema` (or
`json_object`) response format is enforced while decoding with lm-format-enforcer, so even an
untrained model writes JSON that parses and validates against the schema, as vLLM or llama.cpp's
server guarantee for a real one. One model serves one generation at a time: concurrent requests
queue on a lock rather than interleave on the model.
"""

from __future__ import annotations

import argparse
import logging
import re
import threading
import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class ChatRequest(BaseModel):
    """The fields of OpenAI's chat completion request this server acts on; others are ignored,
    except those it cannot honour, which `unsupported` refuses."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float = Field(default=1.0, ge=0, le=2)
    top_p: float = Field(default=1.0, gt=0, le=1)
    seed: int | None = None
    stream: bool = False
    n: int = Field(default=1, ge=1)
    stop: str | list[str] | None = None
    response_format: ResponseFormat | None = None

    def unsupported(self) -> str | None:
        if self.stream:
            return "stream: true is not supported by this server"
        if self.n > 1:
            return "n > 1 is not supported by this server"
        if self.stop:
            return "stop sequences are not supported by this server"
        if self.response_format and self.response_format.type == "json_schema" and not self.response_format.json_schema:
            return "response_format json_schema needs a json_schema object with a schema"
        return None


class RequestError(Exception):
    """A request this server refuses: answered 400 with the message, OpenAI's error shape."""


def error_body(message: str, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}


class ChatModel:
    """A causal LM, its tokenizer and chat template, and the token data the JSON enforcer needs."""

    def __init__(self, model_path: str, device: str):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from bbcopilot.llm import torch_device

        self.name = model_path
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype="auto")
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

    def complete(self, request: ChatRequest) -> dict:
        import torch

        enforcer = self.json_enforcer(request.response_format)
        messages = [message.model_dump() for message in request.messages]
        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self.model.device)
        max_tokens = request.max_completion_tokens or request.max_tokens or DEFAULT_MAX_TOKENS
        sampling = (
            {"do_sample": True, "temperature": request.temperature, "top_p": request.top_p}
            if request.temperature > 0 else {"do_sample": False}
        )
        constraint = {"prefix_allowed_tokens_fn": allowed_tokens_fn(enforcer)} if enforcer else {}
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with self.lock, torch.inference_mode():
            if request.seed is not None:
                torch.manual_seed(request.seed)
            # top_k=None: OpenAI's API has no top-k, so a model's generation_config default must not apply.
            output = self.model.generate(
                **inputs, max_new_tokens=max_tokens, pad_token_id=pad, top_k=None, **sampling, **constraint,
            )
        tokens = output[0, inputs["input_ids"].shape[1]:].tolist()
        stopped = bool(tokens) and tokens[-1] in self._stop_ids()
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.name,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": self.tokenizer.decode(tokens, skip_special_tokens=True)},
                "finish_reason": "stop" if stopped or len(tokens) < max_tokens else "length",
            }],
            "usage": {
                "prompt_tokens": inputs["input_ids"].shape[1],
                "completion_tokens": len(tokens),
                "total_tokens": inputs["input_ids"].shape[1] + len(tokens),
            },
        }

    def _stop_ids(self) -> set[int]:
        eos = self.model.generation_config.eos_token_id
        ids = eos if isinstance(eos, list) else [eos]
        return {token for token in [*ids, self.tokenizer.eos_token_id] if token is not None}


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


def create_app(chat_model: ChatModel):
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    app = FastAPI(title="bbcopilot model server")

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
        return chat_model.complete(request)

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(create_app(ChatModel(args.model_dir, args.device)), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
