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


def qa_reply(client, temperature: float, seed: int, max_tokens: int):
    return client.chat.completions.create(
        model=model_id(client), messages=MESSAGES, max_tokens=max_tokens, temperature=temperature, seed=seed,
        response_format={"type": "json_schema", "json_schema": {"name": "qa", "strict": True, "schema": QA_SCHEMA}},
    )


@pytest.mark.parametrize("temperature, seed", [(0.7, 1), (1.0, 2), (1.0, 3), (0.7, 4), (1.0, 5)])
def test_json_schema_reply_parses_and_validates(client, temperature, seed):
    """The random model's strings run to maxLength (a quote is one token in hundreds): only the
    enforcer's bounds end them, within the 200 tokens the QA client allows such a reply."""
    response = qa_reply(client, temperature, seed, max_tokens=200)
    jsonschema.validate(json.loads(response.choices[0].message.content), QA_SCHEMA)
    assert response.choices[0].finish_reason == "stop"


def test_greedy_json_reply_validates_given_room(client):
    """Greedy decoding picks the shortest tokens and needs more than 200 for 240 characters."""
    response = qa_reply(client, 0, 0, max_tokens=400)
    jsonschema.validate(json.loads(response.choices[0].message.content), QA_SCHEMA)


def test_json_object_reply_is_a_json_object(client):
    response = client.chat.completions.create(
        model=model_id(client), messages=MESSAGES, max_tokens=300, temperature=1.0, seed=1,
        response_format={"type": "json_object"},
    )
    assert response.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(response.choices[0].message.content), dict)


def test_a_field_of_the_wrong_type_gets_one_openai_shaped_400(served_model):
    import httpx

    reply = httpx.post(f"{served_model}/chat/completions", timeout=30,
                       json={"messages": MESSAGES, "temperature": "warm"})
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == "temperature"


def test_what_the_server_cannot_honour_is_refused_and_it_keeps_serving(client):
    """Streaming and stop sequences are tests/test_serve.py's."""
    with pytest.raises(openai.BadRequestError, match="not supported"):
        client.chat.completions.create(model=model_id(client), messages=MESSAGES, max_tokens=4, n=2)
    assert client.chat.completions.create(model=model_id(client), messages=MESSAGES, max_tokens=4).choices


def test_invalid_schema_is_refused_with_400(client):
    with pytest.raises(openai.BadRequestError, match="schema is invalid"):
        client.chat.completions.create(
            model=model_id(client), messages=MESSAGES, max_tokens=4,
            response_format={"type": "json_schema", "json_schema": {"name": "bad", "schema": {"type": 12}}},
        )


def test_concurrent_seeded_requests_answer_as_they_would_one_at_a_time(client):
    """Generations queue on the model: a seeded sampled reply is the same with 4 in flight, which
    it would not be if two generations shared torch's random generator at once."""
    name = model_id(client)

    def ask(seed: int) -> str:
        return client.chat.completions.create(
            model=name, messages=MESSAGES, max_tokens=24, temperature=1.0, seed=seed,
        ).choices[0].message.content

    one_at_a_time = [ask(seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(ask, range(4))) == one_at_a_time
