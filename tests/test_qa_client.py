"""The QA request client against real servers: the tests' scripted one (tests/chat_server.py) and
`bbcopilot.server` with the tiny model. No mock of the openai client."""

from __future__ import annotations

import logging

import pytest

from bbcopilot.qa.client import ChatOutcome, ChatRequest, ConcurrentChat, LocalChat, RunFigures
from tests.chat_server import MODEL, ChatServer, Reply, refuse_response_format

API_KEY = "sk-test-d0n0tl0g-7f3a9c"
SCHEMA = {"name": "qa_pairs", "strict": True, "schema": {"type": "object", "properties": {"q": {"type": "string"}}}}


def requests(n: int, schema: dict | None = None) -> list[ChatRequest]:
    return [ChatRequest(f"k{i}", [{"role": "user", "content": f"q{i}"}], 16, 0.0, schema) for i in range(n)]


def run(server_url: str, reqs: list[ChatRequest], *, on_done=None, **options) -> tuple[RunFigures, dict]:
    """One ConcurrentChat run; returns its figures and each request's outcome by key."""
    settings = {"concurrency": 4, "max_retries": 2, "timeout_s": 2.0} | options
    outcomes: dict[str, ChatOutcome] = {}

    def record(request: ChatRequest, outcome: ChatOutcome) -> ChatRequest | None:
        assert request.key not in outcomes, f"on_done called twice for {request.key}"
        outcomes[request.key] = outcome
        return on_done(request, outcome) if on_done else None

    figures = ConcurrentChat(server_url, MODEL, API_KEY, **settings).run(reqs, record)
    return figures, outcomes


def test_keeps_concurrency_requests_in_flight_never_more():
    with ChatServer(latency=0.3) as server:
        figures, outcomes = run(server.url, requests(12), concurrency=4)
    assert server.max_in_flight == 4
    assert {k: o.text for k, o in outcomes.items()} == {f"k{i}": f"reply to: q{i}" for i in range(12)}
    assert (figures.requests, figures.succeeded, figures.failed, figures.retries) == (12, 12, 0, 0)
    assert figures.seconds < 12 * 0.3 / 2  # in flight together, not one after another
    sent = server.calls[0].body
    assert (sent["max_tokens"], sent["temperature"], sent["model"]) == (16, 0.0, MODEL)


def test_429_is_retried_after_its_retry_after():
    def script(call):
        return Reply(status=429, headers={"Retry-After": "1"}) if call.seen == 0 and call.prompt == "q0" else Reply()

    with ChatServer(script) as server:
        figures, outcomes = run(server.url, requests(3))
    first, second = [c for c in server.calls if c.prompt == "q0"]
    assert (first.status, second.status) == (429, 200)
    assert second.started - first.ended >= 0.95  # the client waited the server's second, not its own 0.5 s backoff
    assert outcomes["k0"] == ChatOutcome("reply to: q0", None, 2, outcomes["k0"].seconds)
    assert (figures.succeeded, figures.retries) == (3, 1)


def test_503_is_retried_and_a_request_that_keeps_failing_says_why():
    def script(call):
        if call.prompt == "q0":
            return Reply(status=503)  # never recovers
        return Reply(status=503) if call.seen == 0 else Reply()

    with ChatServer(script) as server:
        figures, outcomes = run(server.url, requests(3), max_retries=2)
    assert outcomes["k1"].text == "reply to: q1" and outcomes["k1"].attempts == 2
    failed = outcomes["k0"]
    assert failed.text is None and failed.attempts == 3
    assert failed.error.startswith("503 Service Unavailable after 3 attempts")
    assert (figures.succeeded, figures.failed, figures.retries) == (2, 1, 2 + 1 + 1)


def test_a_stalled_request_times_out_and_is_retried():
    def script(call):
        return Reply(stall=3.0) if call.seen == 0 and call.prompt == "q1" else Reply()

    with ChatServer(script) as server:
        figures, outcomes = run(server.url, requests(2), timeout_s=0.5, max_retries=1)
    assert outcomes["k1"].text == "reply to: q1" and outcomes["k1"].attempts == 2
    assert [c.status for c in server.calls if c.prompt == "q1"] == [0, 200]  # the stalled one never answered
    assert (figures.succeeded, figures.retries) == (2, 1)


def test_a_request_that_always_stalls_fails_with_a_timeout():
    with ChatServer(lambda call: Reply(stall=3.0)) as server:
        figures, outcomes = run(server.url, requests(1), timeout_s=0.3, max_retries=1)
    assert outcomes["k0"].text is None
    assert outcomes["k0"].error == "timed out after 2 attempts (0.3 s each)"
    assert figures.failed == 1


def test_a_server_that_dies_mid_run_fails_the_rest_and_the_run_ends():
    def script(call):
        return Reply(die=True) if call.index == 5 else Reply()

    with ChatServer(script, latency=0.1) as server:
        figures, outcomes = run(server.url, requests(12), concurrency=3, max_retries=1, timeout_s=1.0)
    assert set(outcomes) == {f"k{i}" for i in range(12)}  # on_done for every request
    answered = {k for k, o in outcomes.items() if o.text is not None}
    assert 3 <= len(answered) <= 5
    for key in set(outcomes) - answered:
        assert outcomes[key].error.startswith("connection failed after 2 attempts"), outcomes[key].error
    assert (figures.succeeded, figures.failed) == (len(answered), 12 - len(answered))


def test_auto_response_format_falls_back_when_refused():
    # The latency keeps the first refusal on its way while the second request goes out.
    with ChatServer(refuse_response_format(), latency=0.3) as server:
        figures, outcomes = run(server.url, requests(6, SCHEMA), concurrency=2, response_format="auto")
    assert figures.response_format is False and figures.succeeded == 6 and figures.retries == 0
    carried = ["response_format" in c.body for c in server.calls]
    assert carried[:2] == [True, True]  # the first two went out together, before the refusal was known
    assert not any(carried[2:])
    assert server.calls[0].body["response_format"] == {"type": "json_schema", "json_schema": SCHEMA}
    assert outcomes["k0"].attempts == 2  # refused, then resent without it


def test_response_format_modes():
    with ChatServer() as server:
        taken, _ = run(server.url, requests(2, SCHEMA), response_format="auto")
        assert taken.response_format is True and all("response_format" in c.body for c in server.calls)
        never, _ = run(server.url, requests(2, SCHEMA), response_format="none")
        assert never.response_format is None and not any("response_format" in c.body for c in server.calls[2:])
    with ChatServer(refuse_response_format()) as server:
        strict, outcomes = run(server.url, requests(2, SCHEMA), response_format="json_schema")
    assert strict.response_format is False and strict.failed == 2
    assert outcomes["k0"].error.startswith("400 Bad Request after 1 attempt: Invalid parameter: 'response_format'")


def test_follow_ups_returned_by_on_done_are_sent():
    def repair(request: ChatRequest, outcome: ChatOutcome) -> ChatRequest | None:
        if request.key.endswith("/repair"):
            return None
        turn = [{"role": "assistant", "content": outcome.text}, {"role": "user", "content": f"fix {request.key}"}]
        return ChatRequest(f"{request.key}/repair", request.messages + turn, 8, 0.5)

    with ChatServer() as server:
        figures, outcomes = run(server.url, requests(3), on_done=repair)
    assert outcomes["k1/repair"].text == "reply to: fix k1"
    repaired = next(c for c in server.calls if c.prompt == "fix k1")
    assert repaired.body["messages"][1] == {"role": "assistant", "content": "reply to: q1"}
    assert (repaired.body["max_tokens"], repaired.body["temperature"]) == (8, 0.5)
    assert (figures.requests, figures.succeeded) == (6, 6)


def test_the_progress_bar_counts_follow_ups_in_its_total(capsys):
    def again(request, outcome):
        return None if request.key.endswith("again") else ChatRequest(f"{request.key} again", request.messages, 8, 0.0)

    with ChatServer() as server:
        run(server.url, requests(2), on_done=again, progress="qa")
    err = capsys.readouterr().err
    assert "qa: 100%" in err and "4/4" in err and "req/s" in err


def test_the_api_key_never_reaches_logs_or_errors(caplog, capsys):
    # Every path that logs or describes: an error echoing the Authorization header, a retried 429,
    # a success, and a server that dies (a cut connection, then refused ones).
    def script(call):
        if call.prompt == "q0":
            return Reply(status=401, error={"error": {"message": f"bad key {call.headers['authorization']}"}})
        return Reply(status=429, headers={"Retry-After": "0.1"}) if call.seen == 0 else Reply(die=call.prompt == "q2")

    caplog.set_level(logging.DEBUG)
    with ChatServer(script) as server:
        _, outcomes = run(server.url, requests(4), concurrency=1, max_retries=1, progress="qa")
    assert server.calls[0].headers["authorization"] == f"Bearer {API_KEY}"  # it was sent, to the server only
    assert "bad key Bearer ***" in outcomes["k0"].error
    assert outcomes["k1"].text == "reply to: q1"
    assert outcomes["k2"].error.startswith("connection failed") and outcomes["k3"].error.startswith("connection failed")
    captured = capsys.readouterr()
    seen = caplog.text + captured.out + captured.err + " ".join(str(o) for o in outcomes.values())
    assert "openai._base_client" in caplog.text  # the client's own debug logging was captured
    assert API_KEY not in seen
    assert API_KEY not in repr(ConcurrentChat(server.url, MODEL, API_KEY, concurrency=1, max_retries=0, timeout_s=1))


@pytest.mark.slow
def test_against_the_local_model_server(served_model, tiny_model):
    """The real server: `bbcopilot.server` honours response_format (its replies start a JSON
    object even in 16 tokens), and every reply arrives with up to 2 in flight."""
    chat = ConcurrentChat(served_model, str(tiny_model), "not-needed", concurrency=2, max_retries=1, timeout_s=60)
    outcomes = {}

    def record(request, outcome):
        outcomes[request.key] = outcome

    figures = chat.run(requests(3, SCHEMA), record)
    assert figures.succeeded == 3, [o.error for o in outcomes.values()]
    assert all(o.text.lstrip().startswith("{") for o in outcomes.values())
    assert figures.response_format is True


def test_local_chat_batches_by_sampling_settings_and_sends_follow_ups(tiny_model):
    from bbcopilot.llm import LocalGenerator

    generator = LocalGenerator(str(tiny_model), batch_size=8, device="cpu")
    calls = []

    def counting(conversations, max_new_tokens, temperature):
        calls.append((len(conversations), max_new_tokens, temperature))
        return generator(conversations, max_new_tokens, temperature)

    reqs = requests(3) + [ChatRequest("hot", [{"role": "user", "content": "MODULE"}], 4, 0.7)]
    outcomes = {}

    def on_done(request, outcome):
        outcomes[request.key] = outcome
        return ChatRequest("k0/again", request.messages, 4, 0.0) if request.key == "k0" else None

    figures = LocalChat(counting, batch_size=2).run(reqs, on_done)
    assert calls == [(2, 16, 0.0), (1, 16, 0.0), (1, 4, 0.7), (1, 4, 0.0)]
    assert set(outcomes) == {"k0", "k1", "k2", "hot", "k0/again"}
    assert all(isinstance(o.text, str) and o.attempts == 1 for o in outcomes.values())
    assert (figures.requests, figures.succeeded, figures.response_format) == (5, 5, None)
