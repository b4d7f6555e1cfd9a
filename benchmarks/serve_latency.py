"""Time to first token and tokens/s of `bbcopilot serve`, streamed and not, against `generate` in-process, in one run.

    .venv/bin/python -m benchmarks.serve_latency [--model DIR] [--tokens 128] [--repeats 5] [--threads 1]

Without --model a tiny Qwen2 model is built first (seconds). The same greedy request (the one chat
template, the project's system prompt, `--tokens` new tokens) is timed three ways, the median of
`--repeats` rounds, the ways in turn in each: `model.generate` in this process (first token: a
1-token generate), the server's non-streamed reply (its first token comes with the whole reply) and its streamed reply
(the first content chunk), the server started as `bbcopilot serve` starts it (`serving.served_model`,
its own process, on 127.0.0.1). Prints each and the server's ratios to in-process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import openai

QUESTION = [{"role": "user", "content": "Write a BlackBox module that writes Hello to StdLog."}]
CORPUS = [
    "MODULE ObxHello0;\n\tIMPORT StdLog;\n\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hello\"); StdLog.Ln\n\tEND Do;\n\nEND ObxHello0.\n",
    "DEFINITION TextModels;\n\tTYPE Model = POINTER TO ABSTRACT RECORD (Containers.Model) END;\nEND TextModels.\n",
    "Модуль TextModels описывает текстовые модели BlackBox.\n",
] * 20


def in_process(model_dir: str, tokens: int):
    """A timer of `generate` on the model loaded here: (seconds to the first token, tokens/s)."""
    import torch
    from transformers import AutoModelForCausalLM

    from bbcopilot.llm import conversation, load_tokenizer

    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype="auto").eval()
    inputs = tokenizer.apply_chat_template(conversation(QUESTION), add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True)

    def generate(new_tokens: int) -> float:
        started = time.perf_counter()
        with torch.inference_mode():
            # As the server calls it: greedy, no top-k.
            output = model.generate(**inputs, max_new_tokens=new_tokens, do_sample=False, top_k=None,
                                    pad_token_id=tokenizer.pad_token_id)
        assert output.shape[1] - inputs["input_ids"].shape[1] == new_tokens, "the model stopped early"
        return time.perf_counter() - started

    return lambda: (generate(1), tokens / generate(tokens))


def served(client: openai.OpenAI, model: str, tokens: int, stream: bool):
    """A timer of the server's reply, streamed or not: (seconds to the first token, tokens/s)."""
    from bbcopilot.llm import conversation

    asked = dict(model=model, messages=conversation(QUESTION), max_tokens=tokens, temperature=0)

    def timed() -> tuple[float, float]:
        started = time.perf_counter()
        if not stream:
            reply = client.chat.completions.create(**asked)
            took = time.perf_counter() - started
            assert reply.usage.completion_tokens == tokens, f"the model stopped early: {reply.usage}"
            return took, tokens / took
        first, count = None, 0
        for chunk in client.chat.completions.create(**asked, stream=True, stream_options={"include_usage": True}):
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - started
            if chunk.usage:
                count = chunk.usage.completion_tokens
        assert count == tokens, f"the model stopped early: {count} tokens"
        return first, tokens / (time.perf_counter() - started)

    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="A model folder (default: a tiny model built now).")
    parser.add_argument("--tokens", type=int, default=128, help="New tokens per reply.")
    parser.add_argument("--repeats", type=int, default=5, help="Runs per way (median).")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, here and in the server.")
    args = parser.parse_args()

    # Before torch loads, here and in the server's process (it inherits the environment): on a small
    # shared machine more threads than free cores make every way slower, and unevenly.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    from bbcopilot.serving import served_model

    model_dir = args.model
    if model_dir is None:
        from bbcopilot.tiny_model import build_tiny_model

        model_dir = str(build_tiny_model(CORPUS, Path(tempfile.mkdtemp(prefix="serve-bench-")), vocab_size=600))
    with served_model(model_dir, "cpu") as url:
        client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600)
        model = client.models.list().data[0].id
        ways = {"generate in-process": in_process(model_dir, args.tokens),
                "serve, not streamed": served(client, model, args.tokens, stream=False),
                "serve, streamed": served(client, model, args.tokens, stream=True)}
        # A warm-up each, then the ways in turn in every round: a load that comes and goes hits them alike.
        runs = {name: [] for name in ways}
        for round_ in range(args.repeats + 1):
            for name, timed in ways.items():
                measured = timed()
                if round_:
                    runs[name].append(measured)
    rows = {name: (statistics.median(r[0] for r in measured), statistics.median(r[1] for r in measured))
            for name, measured in runs.items()}
    baseline = rows["generate in-process"]
    print(f"{args.tokens} greedy tokens, median of {args.repeats} runs, {args.threads} torch thread(s), model {model_dir}")
    print(f"{'':22} {'first token':>12} {'tokens/s':>10} {'first x':>8} {'tokens/s x':>11}")
    for name, (first, rate) in rows.items():
        print(f"{name:22} {first * 1000:10.1f}ms {rate:10.1f} {first / baseline[0]:8.2f} {rate / baseline[1]:11.2f}")
    print("(x: the ratio to generate in-process; first token of a non-streamed reply = the whole reply)")


if __name__ == "__main__":
    main()
