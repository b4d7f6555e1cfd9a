"""A scripted OpenAI-compatible chat server on 127.0.0.1, for the QA client's tests and benchmark.

`ChatServer` answers POST /v1/chat/completions (the OpenAI JSON shape; with `"stream": true`,
OpenAI's server-sent chunks, a word each, then `data: [DONE]`) and GET /v1/models on a real socket. A script decides each answer from the call (its body, its
headers, how many earlier calls carried the same messages): reply with content, answer an HTTP
error with headers (429 with Retry-After, 500/503, the 400 of a server refusing `response_format`),
stall past the client's timeout, or die. `latency` delays every answer. Every call is recorded
with its body, headers, answer and times, and the server counts how many it handles at once (and
the most ever). `kill()`, or a `Reply(die=True)`, stops it the way a dying process does: the
listening socket closes and every open connection is cut, answered or not.

    with ChatServer(script, latency=0.2) as server:
        ConcurrentChat(server.url, "scripted", "key", ...).run(requests, on_done)
        server.calls, server.max_in_flight
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "scripted"


@dataclass
class Call:
    index: int  # 0 for the first chat call the server got
    body: dict
    headers: dict[str, str]  # names lower-cased
    seen: int  # how many earlier calls carried the same messages (0 on a request's first attempt)
    started: float  # time.monotonic() when the body was read
    ended: float = 0.0  # when the answer was written (or abandoned)
    status: int = 0  # the status answered; 0 when none was (stalled past the client, or the server died)

    @property
    def prompt(self) -> str:
        """The last user message."""
        return next(m["content"] for m in reversed(self.body["messages"]) if m["role"] == "user")


@dataclass(frozen=True)
class Reply:
    content: str | None = None  # the reply's text; None = "reply to: <prompt>"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    error: dict | None = None  # the JSON body of an error answer (default: OpenAI's error shape)
    stall: float = 0.0  # seconds to wait before answering (past the client's timeout: it gives up)
    die: bool = False  # the server dies on this call, leaving it unanswered
    # Streamed replies: called with each piece's index before it is sent (a test holds the stream there).
    before_piece: Callable[[int], None] | None = None


Script = Callable[[Call], Reply]


def echo(call: Call) -> Reply:
    return Reply()


# What OpenAI's API answers a model that cannot take a json_schema response_format.
RESPONSE_FORMAT_REFUSAL = {
    "error": {
        "message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": None,
    }
}


def refuse_response_format(then: Script = echo) -> Script:
    """A server that answers 400 to any request carrying `response_format`, and `then` to the rest."""

    def script(call: Call) -> Reply:
        if "response_format" in call.body:
            return Reply(status=400, error=RESPONSE_FORMAT_REFUSAL)
        return then(call)

    return script


class ChatServer:
    def __init__(self, script: Script = echo, *, latency: float = 0.0):
        self.script = script
        self.latency = latency
        self.calls: list[Call] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.dead = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="chat-server", daemon=True)

    @property
    def url(self) -> str:
        """The OpenAI base URL (ends in /v1)."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()

    def kill(self) -> None:
        """Die: stop accepting, close the listening socket, cut every open connection."""
        with self._lock:
            if self.dead.is_set():
                return
            self.dead.set()
            connections = list(self._connections)
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its client

    def prompts(self) -> list[str]:
        with self._lock:
            return [c.prompt for c in self.calls]

    # ---- called from the handler threads ----

    def _begin(self, body: dict, headers: dict[str, str]) -> Call:
        with self._lock:
            seen = sum(c.body.get("messages") == body.get("messages") for c in self.calls)
            call = Call(len(self.calls), body, headers, seen, time.monotonic())
            self.calls.append(call)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return call

    def _end(self, call: Call) -> None:
        with self._lock:
            call.ended = time.monotonic()
            self.in_flight -= 1

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops the connects of more clients at once (they retry 1 s later)

    def __init__(self, chat: ChatServer):
        self.chat = chat
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms wait for a delayed ACK
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.chat._track(self.connection, True)

    def finish(self) -> None:
        self.server.chat._track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass  # the connection was cut (the client gave up, or the server died)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the calls are recorded; stderr stays quiet

    def do_GET(self) -> None:
        if self.path == "/stats":  # not OpenAI's: what the server saw, for a client in another process
            chat = self.server.chat
            self._answer(200, {"calls": len(chat.calls), "max_in_flight": chat.max_in_flight})
        elif self.path.rstrip("/") == "/v1/models":
            model = {"id": MODEL, "object": "model", "created": 0, "owned_by": "tests"}
            self._answer(200, {"object": "list", "data": [model]})
        else:
            self._answer(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        chat = self.server.chat
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if chat.dead.is_set():
            self.close_connection = True
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._answer(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        call = chat._begin(body, {k.lower(): v for k, v in self.headers.items()})
        try:
            reply = chat.script(call)
            if reply.die:
                chat.kill()
            # A wait that the server's death cuts short ends unanswered.
            if chat.dead.wait(chat.latency + reply.stall):
                self.close_connection = True
                return
            if reply.status == 200:
                content = f"reply to: {call.prompt}" if reply.content is None else reply.content
                if body.get("stream"):
                    if self._stream(content, body.get("model", MODEL), call.index, reply.before_piece):
                        call.status = 200
                    return
                payload = completion(content, body.get("model", MODEL), call.index)
            else:
                payload = reply.error or {"error": {"message": f"scripted {reply.status}", "type": "server_error"}}
            if self._answer(reply.status, payload, reply.headers):
                call.status = reply.status
        finally:
            chat._end(call)

    def _answer(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> bool:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up waiting (a stall past its timeout)
            return False
        return True


    def _stream(self, content: str, model: str, index: int, before_piece: Callable[[int], None] | None) -> bool:
        """The reply as OpenAI streams it, a word (with its trailing whitespace) per chunk."""
        pieces = re.findall(r"\S*\s*", content)[:-1] or [""]
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")  # the stream's end is the connection's
            self.end_headers()
            self.close_connection = True
            for i, piece in enumerate(pieces):
                if before_piece:
                    before_piece(i)
                delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                self._event(chunk(delta, None, model, index))
            self._event(chunk({}, "stop", model, index))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except OSError:
            return False  # the client went away mid-stream
        return True

    def _event(self, payload: dict) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def chunk(delta: dict, finish_reason: str | None, model: str, index: int) -> dict:
    """One streamed chunk in the OpenAI shape."""
    return {"id": f"chatcmpl-{index}", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def completion(content: str, model: str, index: int) -> dict:
    """A non-streaming chat completion in the OpenAI shape."""
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve echo replies after a fixed latency until terminated.")
    parser.add_argument("--latency", type=float, default=0.0, help="Seconds before each answer.")
    args = parser.parse_args()
    server = ChatServer(latency=args.latency)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
    with server:
        print(server.url, flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass  # Ctrl-C: stop like SIGTERM


if __name__ == "__main__":
    main()
