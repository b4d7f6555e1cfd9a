"""Replies/s of the QA request client with 8 requests in flight against 1, in one run.

    .venv/bin/python -m benchmarks.qa_concurrency [--requests 32] [--latency 0.2] [--concurrency 8]

(from the project root: the server lives in tests/). Starts the tests' scripted OpenAI-compatible
server (tests/chat_server.py) on 127.0.0.1 in a process of its own, answering every request after
a fixed latency; sends the same requests through `bbcopilot.qa.client.ConcurrentChat` with 1 in
flight and with 8, and prints replies/s of each and their ratio (goal: >= 6.4x, 0.8 x 8). Each
run's time includes starting its client. The server checks the bound: it reports the most
requests it handled at once.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx

from bbcopilot.qa.client import ChatRequest, ConcurrentChat
from tests.chat_server import MODEL

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=32, help="Requests per run.")
    parser.add_argument("--latency", type=float, default=0.2, help="The server's seconds per request.")
    parser.add_argument("--concurrency", type=int, default=8, help="Requests in flight in the concurrent run.")
    args = parser.parse_args()

    requests = [
        ChatRequest(f"r{i}", [{"role": "user", "content": f"question {i}"}], max_tokens=64, temperature=0.0)
        for i in range(args.requests)
    ]
    rates = {}
    for concurrency in (1, args.concurrency):
        server = subprocess.Popen([sys.executable, "-m", "tests.chat_server", "--latency", str(args.latency)],
                                  cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()
            chat = ConcurrentChat(url, MODEL, "benchmark", concurrency=concurrency, max_retries=0, timeout_s=30)
            figures = chat.run(requests, lambda request, outcome: None)
            stats = httpx.get(url.removesuffix("/v1") + "/stats").json()
        finally:
            server.terminate()
            server.wait(timeout=10)
        if figures.succeeded != len(requests):
            raise SystemExit(f"{figures.failed} of {len(requests)} requests failed with {concurrency} in flight")
        rates[concurrency] = figures.succeeded / figures.seconds
        print(f"{concurrency:>3} in flight: {rates[concurrency]:6.2f} replies/s  ({figures.seconds:.2f} s for "
              f"{figures.succeeded}, the server saw at most {stats['max_in_flight']} at once)")
    ratio = rates[args.concurrency] / rates[1]
    goal = 0.8 * args.concurrency
    print(f"      ratio: {ratio:.2f}x one in flight (goal >= {goal:.1f}, 0.8 x {args.concurrency})")


if __name__ == "__main__":
    main()
