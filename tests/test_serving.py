"""bbcopilot.server, started through `served_model`, answering the real `openai` client."""

import json
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import openai
import pytest

QA_SCHEMA = {
    "type": "object",
    "properties": {"pairs": {
        "type": "array", "minItems": 1, "maxItems": 1,
        "items": {
            "type": "object",
            "properties": {
                "question": {"type": "string", "minLength": 1, "maxLength": 80},
                "answer": {"type": "string", "minLength": 1, "maxLength": 160},
            },
            "required": ["question", "answer"],
        },
    }},
    "required": ["pairs"],
}
MESSAGES = [{"role": "user", "content": "Write a QA pair about StdLog"}]


@pytest.fixture(scope="module")
def client(served_model):
    return openai.OpenAI(base_url=served_model, api_key="none", max_retries=0, timeout=60)


def model_id(client) -> str:
    return client.models.list().data[0].id


def test_models_lists_the_served_model(client, tiny_model):
    assert model_id(client) == str(tiny_model)


def test_plain_completion_answers_in_openai_shape(client):
    response = client.chat.completions.create(model=model_id(client), messages=MESSAGES, max_tokens=8, temperature=0)
    assert response.object == "chat.completion"
    assert response.choices[0].finish_reason in {"stop", "length"}
    assert response.usage.completion_tokens <= 8 and response.usage.prompt_tokens > 0
    assert isinstance(response.choices[0].message.content, str)


@pytest.mark.parametrize("temperature, seed", [(0.7, 1), (1.0, 2), (1.0, 5), (1.0, 8)])
def test_json_schema_reply_parses_and_validates(client, temperature, seed):
    response = client.chat.completions.create(
        model=model_id(client), messages=MESSAGES, max_tokens=200, temperature=temperature, seed=seed,
        response_format={"type": "json_schema", "json_schema": {"name": "qa", "strict": True, "schema": QA_SCHEMA}},
    )
    reply = json.loads(response.choices[0].message.content)
    jsonschema.validate(reply, QA_SCHEMA)
    assert response.choices[0].finish_reason == "stop"


def test_stream_is_refused_and_the_server_keeps_serving(client):
    with pytest.raises(openai.BadRequestError, match="stream"):
        client.chat.completions.create(model=model_id(client), messages=MESSAGES, max_tokens=4, stream=True)
    assert client.chat.completions.create(model=model_id(client), messages=MESSAGES, max_tokens=4).choices


def test_invalid_schema_is_refused_with_400(client):
    with pytest.raises(openai.BadRequestError, match="schema is invalid"):
        client.chat.completions.create(
            model=model_id(client), messages=MESSAGES, max_tokens=4,
            response_format={"type": "json_schema", "json_schema": {"name": "bad", "schema": {"type": 12}}},
        )


def test_concurrent_requests_are_all_answered(client):
    name = model_id(client)

    def ask(seed: int) -> str:
        return client.chat.completions.create(
            model=name, messages=MESSAGES, max_tokens=6, temperature=0, seed=seed,
        ).choices[0].message.content

    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(ask, range(4)))
    assert len(replies) == 4 and len(set(replies)) == 1  # greedy: the same prompt, the same reply
