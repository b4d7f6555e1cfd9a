"""`bbcopilot chat`: a terminal chat with the assistant over any OpenAI-compatible API.

Answers stream in as the model writes them; the conversation (the project's system prompt, then
every turn: `llm.conversation`) goes with each question. Then every Component Pascal code block of
the answer is judged (`blackbox.verdict.judge_answers`): compiled with BlackBox's own compiler when
the toolchain builds, else checked by the lark checker, and marked valid or shown with its errors.
The code is compiled, never run. The toolchain and the API index are prepared in the background
while the first question is typed.
"""

from __future__ import annotations

import logging
import re
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TextIO

from bbcopilot.errors import BBCopilotError

log = logging.getLogger(__name__)
PROMPT, CONTINUATION = "you> ", "...> "
HELP = "End a line with \\ to continue the question on the next line; /exit or Ctrl-D quits."
EXIT = "/exit"
# A fenced block's info string that names Component Pascal (or what it is mistaken for, whose habits
# the checker's hints are for); a block of another language ("python", "bash") is not judged.
CP_LANGUAGES = {"", "cp", "componentpascal", "component-pascal", "component_pascal", "pascal",
                "oberon", "oberon-2", "oberon2", "modula-2", "delphi", "blackbox"}
_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})(.*)$")


def read_question(read=input) -> str | None:
    """One question from the terminal: lines ending in a backslash continue it. None on Ctrl-D."""
    lines, prompt = [], PROMPT
    while True:
        try:
            line = read(prompt)
        except EOFError:
            return None
        if line.endswith("\\"):
            lines.append(line[:-1])
            prompt = CONTINUATION
            continue
        lines.append(line)
        return "\n".join(lines)


def cp_blocks(answer: str) -> list[tuple[str, str]]:
    """The Component Pascal code blocks of an answer as (language, code), where `extract_code`
    finds code (fenced blocks, else an unterminated fence, else one unfenced module); blocks
    fenced as another language are left out."""
    from bbcopilot.metrics import code_spans

    blocks = []
    for start, end in code_spans(answer):
        fence = _FENCE_LINE.match(answer[:start].rstrip("\n").rsplit("\n", 1)[-1])
        language = fence.group(1).strip().lower() if fence else ""
        if language in CP_LANGUAGES:
            blocks.append((language, answer[start:end]))
    return blocks


class CodeJudge:
    """BlackBox's compiler (the checker without a toolchain) for the chat's code blocks."""

    def __init__(self, settings):
        self._ready: Future = ThreadPoolExecutor(1, thread_name_prefix="toolchain").submit(self._prepare, settings)

    @staticmethod
    def _prepare(settings):
        from bbcopilot.api_index import ApiIndex, NoDistribution, distribution_index
        from bbcopilot.blackbox import build_toolchain
        from bbcopilot.workspace import Workspace

        workspace = Workspace(settings.workspace)
        try:
            build, note = build_toolchain(workspace, settings.toolchain), None
        except BBCopilotError as error:
            build, note = None, f"the BlackBox toolchain is unavailable ({error}): code is checked by the lark checker"
        try:
            index = distribution_index(workspace, settings.toolchain)
        except NoDistribution as error:
            index = ApiIndex()
            note = note or f"no API index ({error}): names are not suggested"
        return build, index, note

    def judge(self, codes: list[str]):
        """A verdict per block (`blackbox.verdict.CodeVerdict`), all compiled in one batch; and a note
        on what judged them when it is not the compiler."""
        from bbcopilot.blackbox.verdict import judge_answers

        build, index, note = self._ready.result()
        # Fenced again, so a fragment (a procedure, no MODULE) is taken and wrapped as the evaluation does.
        return judge_answers([f"```\n{code}\n```" for code in codes], index, build), note


def stream_answer(client, model: str, messages: list[dict], out: TextIO, **sampling) -> str:
    """Ask, print the answer as it streams in, return it whole (what came, if Ctrl-C cut it)."""
    parts = []
    stream = client.chat.completions.create(model=model, messages=messages, stream=True, **sampling)
    try:
        for chunk in stream:
            if chunk.choices and (text := chunk.choices[0].delta.content):
                parts.append(text)
                out.write(text)
                out.flush()
    except KeyboardInterrupt:
        out.write("\n[interrupted]")
    finally:
        stream.close()  # the server stops generating once its client is gone
    out.write("\n")
    return "".join(parts)


def show_verdicts(answer: str, judge: CodeJudge, console) -> None:
    """Each Component Pascal block of `answer` marked: compiles, or its errors (with the checker's hints)."""
    from rich.markup import escape

    from bbcopilot.blackbox.verdict import COMPILER

    blocks = cp_blocks(answer)
    if not blocks:
        return
    verdicts, note = judge.judge([code for _, code in blocks])
    if note:
        console.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False, soft_wrap=True)
    for number, verdict in enumerate(verdicts, 1):
        by = "BlackBox compiler" if verdict.judged_by == COMPILER else "checker"
        if verdict.compiles:
            console.print(f"[green]✓ block {number}: valid[/green] ({by})", highlight=False)
        else:
            console.print(f"[red]✗ block {number}: {len(verdict.errors)} error(s)[/red] ({by})", highlight=False)
        for message in verdict.errors + [f"hint: {h}" for h in verdict.delphi] + verdict.hallucinations:
            console.print(f"    {escape(message)}", highlight=False, soft_wrap=True)


def run_chat(url: str, api_key: str | None, settings, *, max_tokens: int = 1024, temperature: float | None = None,
             read=input, out: TextIO = sys.stdout) -> None:
    """The chat loop against the API at `url` until /exit or Ctrl-D; history kept for the session."""
    import openai
    from rich.console import Console

    from bbcopilot.llm import conversation

    try:
        import readline  # noqa: F401  (line editing and history for input(), where the platform has it)
    except ImportError:
        pass  # Windows: input() without editing
    console = Console(file=out, highlight=False)
    client = openai.OpenAI(base_url=url, api_key=api_key or "none", max_retries=1)
    try:
        model = client.models.list().data[0].id
    except openai.APIError as error:
        raise BBCopilotError(f"{url}: cannot list the models ({error})") from None
    judge = CodeJudge(settings)
    console.print(f"bbcopilot chat with {model} at {url}", highlight=False)
    console.print(HELP, highlight=False)
    sampling = {"max_tokens": max_tokens} | ({"temperature": temperature} if temperature is not None else {})
    turns: list[dict] = []
    while (question := read_question(read)) is not None and question.strip() != EXIT:
        if not question.strip():
            continue
        asked = [*turns, {"role": "user", "content": question}]
        try:
            answer = stream_answer(client, model, conversation(asked), out, **sampling)
        except openai.APIError as error:
            console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
            continue  # the question stays out of the history: it has no answer
        turns = [*asked, {"role": "assistant", "content": answer}]
        show_verdicts(answer, judge, console)
    out.write("\n")

