"""`bbcopilot chat` driven through a pseudo-terminal: a streamed answer, its code blocks marked by
BlackBox's compiler, the history kept, multi-line questions; and the chat of a model folder it serves."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bbcopilot.llm import system_prompt
from chat_server import ChatServer, Reply

BBCOPILOT = str(Path(sys.executable).parent / "bbcopilot")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
ANSWER = """Here is the module you asked for:

```component-pascal
MODULE ChatHello;
	IMPORT StdLog;

	PROCEDURE Do*;
	BEGIN
		StdLog.String("Hello"); StdLog.Ln
	END Do;

END ChatHello.
```

and a procedure that will not compile:

```
PROCEDURE Count*;
BEGIN
	total := total + 1
END Count;
```

```python
print("not Component Pascal: not judged")
```
"""


class Terminal:
    """A command on a pseudo-terminal: what it wrote (colours stripped), typed lines, and waits for
    text it writes after what the last wait found."""

    def __init__(self, command: list[str]):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                                        env={**os.environ, "COLUMNS": "200", "TERM": "xterm"})
        os.close(slave)
        self.seen = ""
        self.found = 0  # where the text the last wait found ends

    def expect(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.seen[self.found:]:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None and not select.select([self.master], [], [], 0)[0]:
                pytest.fail(f"{text!r} not shown within {seconds:.0f} s; the terminal shows:\n{self.seen[-3000:]}")
            if select.select([self.master], [], [], min(left, 0.5))[0]:
                try:
                    self.seen += ANSI.sub("", os.read(self.master, 65536).decode("utf-8", "replace"))
                except OSError:  # the command ended: its side of the terminal is closed
                    pass
        self.found = self.seen.index(text, self.found) + len(text)

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            os.close(self.master)


@pytest.fixture
def chat_workspace(distribution) -> Path:
    """The workspace the session's distribution index was built in: the chat's index is ready there."""
    return Path(distribution.path).parents[1]


def test_the_chat_streams_answers_keeps_history_and_marks_code_by_the_compiler(build, chat_workspace):
    first_piece_shown = threading.Event()

    def hold_after_the_first_piece(index: int) -> None:
        # The rest of the answer waits until the terminal shows its first word: only a chat that
        # prints as the answer streams in gets past this.
        if index == 1:
            first_piece_shown.wait(30)

    replies = iter([Reply(content=ANSWER, before_piece=hold_after_the_first_piece), Reply(content="Yes, Do* is exported.")])
    with ChatServer(lambda call: next(replies)) as server:
        terminal = Terminal([BBCOPILOT, "chat", "--url", server.url, "--set", f"workspace={chat_workspace}"])
        terminal.expect("End a line with \\ to continue")
        terminal.type("Write a module that prints\\")
        terminal.type("Hello to the log")
        terminal.expect("Here ", 20)  # before the 30 s the server holds the rest
        first_piece_shown.set()
        terminal.expect("✗ block 2")
        terminal.expect("you> ", 10)
        output = terminal.seen
        assert "✓ block 1: valid (BlackBox compiler)" in output
        assert re.search(r"✗ block 2: \d+ error\(s\) \(BlackBox compiler\)\n +\d+:\d+: undeclared identifier", output)
        assert "block 3" not in output  # the Python block is not judged
        terminal.type("Is Do exported?")
        terminal.expect("Yes, Do* is exported.")
        terminal.type("/exit")
        assert terminal.close() == 0
        first, second = (call.body for call in server.calls)
    assert first["stream"] is True
    assert first["messages"] == [{"role": "system", "content": system_prompt()},
                                 {"role": "user", "content": "Write a module that prints\nHello to the log"}]
    assert second["messages"][1:] == [*first["messages"][1:], {"role": "assistant", "content": ANSWER},
                                      {"role": "user", "content": "Is Do exported?"}]


def test_without_the_toolchain_the_checker_marks_the_code(chat_workspace, tmp_path):
    with ChatServer(lambda call: Reply(content=ANSWER)) as server:
        terminal = Terminal([BBCOPILOT, "chat", "--url", server.url, "--set", f"workspace={chat_workspace}",
                             "--set", f"toolchain.bbcp_dir={tmp_path / 'no-blackbox'}"])
        terminal.expect("you> ")
        terminal.type("Write a module")
        terminal.expect("block 1: valid (checker)")
        terminal.expect("you> ", 10)
        assert "code is checked by the lark checker" in terminal.seen
        os.write(terminal.master, b"\x04")  # Ctrl-D quits
        assert terminal.close() == 0


def test_the_chat_of_a_model_folder_serves_it_on_loopback(tiny_model, chat_workspace):
    terminal = Terminal([BBCOPILOT, "chat", str(tiny_model), "--device", "cpu", "--max-tokens", "8",
                         "--set", f"workspace={chat_workspace}"])
    terminal.expect(f"bbcopilot chat with {tiny_model} at http://127.0.0.1:", 120)
    terminal.type("Hello")
    terminal.expect("you> ")
    terminal.type("/exit")
    assert terminal.close() == 0
