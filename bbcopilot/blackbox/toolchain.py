"""The real BlackBox compiler: build a copy of a BlackBox tree once, compile batches of sources with it.

The shared tree is read-only, so it is copied into `<workspace>/toolchain/<hash>/` and built there
(`build-linux`: every module compiled, the console interpreter linked), with our helper module
`BbcopilotCompile` (cp/BbcopilotCompile.cp) compiled into it. A batch runs in its own temporary
folder, which the run scripts make BlackBox's `BB_USE_DIR` (searched before the build): the sources,
their code and symbol files go there, so a generated `ObxHello0` shadows the distribution's only in
that batch and the build is never written.
"""

from __future__ import annotations

import logging
import math
import os
import re
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bbcopilot.config import ToolchainSettings
from bbcopilot.errors import BBCopilotError
from bbcopilot.metrics import as_module
from bbcopilot.workspace import Workspace, atomic_dir, content_hash, sha256_file, tree_hash

STAGE = "toolchain"
# dev0lin and blackboxInterp are 32-bit ELF programs: without this loader they fail with a bare ENOENT.
LOADER = Path("/lib/ld-linux.so.2")
HELPER = Path(__file__).resolve().parent / "cp" / "BbcopilotCompile.cp"
HELPER_MODULE = "BbcopilotCompile"
BATCH_LIST = "batch.txt"  # the helper's fixed input: it takes no parameters
BUILD_TIMEOUT_S = 300
# A compile takes milliseconds; this bounds a compiler that hangs, not a slow one.
BATCH_TIMEOUT_S = 60.0
PER_SOURCE_TIMEOUT_S = 0.5
# The compiler of a batch needs tens of MB; this bounds one that runs away (it then traps, or is killed).
COMPILER_MEMORY_MB = 1024
COMPILER_FILE_BYTES = 64 * 1024 * 1024  # a code or symbol file
MIN_SOURCES_PER_PROCESS = 16
TAIL_LINES = 5

MODULE_NAME = re.compile(r"^\s*(?:\(\*.*?\*\)\s*)*MODULE\s+([A-Za-z_]\w*)", re.S)
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")
_ERROR = re.compile(r"@@error\s+(-?\d+)\s+(-?\d+) ?(.*)")
_END = re.compile(r"@@end (\S+) (ok|failed)\s+(-?\d+)")


class ToolchainError(BBCopilotError):
    """The BlackBox toolchain is missing, cannot run here, or failed to build or to run a batch."""


@dataclass
class CompileResult:
    """BlackBox's verdict on one source: every error as (line, column, the compiler's message)."""

    name: str
    ok: bool
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    seconds: float = 0.0


# ---------------------------------------------------------------- the build


def toolchain_problem(bbcp_dir: Path) -> str | None:
    """Why the toolchain cannot be built here, in one line; None when it can."""
    if not (bbcp_dir / "build-linux").is_file() or not (bbcp_dir / "dev0lin").is_file():
        return f"{bbcp_dir}: no BlackBox tree (build-linux and dev0lin not found); set toolchain.bbcp_dir"
    if not LOADER.exists():
        return f"{LOADER}: missing, BlackBox's 32-bit compiler cannot run; install libc6-i386: apt-get install libc6-i386"
    return None


def toolchain_version(settings: ToolchainSettings) -> str:
    """The build's version: the tree's content and our helper module's."""
    return content_hash(tree_hash(settings.bbcp_dir), sha256_file(HELPER))


def build_toolchain(workspace: Workspace, settings: ToolchainSettings) -> Path:
    """The built copy of `settings.bbcp_dir` for its current content: built on first use, reused after."""
    problem = toolchain_problem(settings.bbcp_dir)
    if problem:
        raise ToolchainError(problem)
    final = workspace.version_dir(STAGE, toolchain_version(settings))
    if final.is_dir():
        return final
    with atomic_dir(final) as build:
        _copy_writable(settings.bbcp_dir, build)
        _run_build(build, settings.bbcp_dir)
    return final


def toolchain_or_fallback(workspace: Workspace, settings: ToolchainSettings) -> tuple[Path | None, str]:
    """The build, or None and the one line that says why compile-dependent work uses the lark checker instead."""
    try:
        return build_toolchain(workspace, settings), ""
    except ToolchainError as err:
        notice = f"BlackBox toolchain unavailable, code is judged by the lark checker instead: {err}"
        logging.getLogger(__name__).warning(notice)
        return None, notice


def _copy_writable(source: Path, target: Path) -> None:
    # The shared tree is read-only, modes included; the build writes Code/ and Sym/ folders into its copy.
    for root, dirs, files in os.walk(source):
        here = target / Path(root).relative_to(source)
        here.mkdir(exist_ok=True)
        for name in files:
            copied = here / name
            copied.write_bytes((Path(root) / name).read_bytes())
            copied.chmod(stat.S_IMODE((Path(root) / name).stat().st_mode) | stat.S_IWUSR)
        here.chmod(here.stat().st_mode | stat.S_IWUSR)


def _run_build(build: Path, origin: Path) -> None:
    helper_dir = build / "Bbcopilot" / "Mod"
    helper_dir.mkdir(parents=True)
    (helper_dir / "Compile.cp").write_bytes(HELPER.read_bytes())
    steps = [
        (["./build-linux"], None),
        (["./run-dev0"], f"DevCompiler.CompileThis {HELPER_MODULE}\n"),
    ]
    for command, stdin in steps:
        try:
            done = subprocess.run(command, cwd=build, input=stdin, capture_output=True, text=True,
                                  errors="replace", timeout=BUILD_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise ToolchainError(f"{origin}: {' '.join(command)} did not run ({err})") from None
        output = done.stdout + done.stderr
        # run-dev0 exits 0 whatever it compiled: a failed compile shows only in its log.
        if done.returncode != 0 or re.search(r"errors? detected|TRAP", output):
            tail = " | ".join(line.strip() for line in output.strip().splitlines()[-TAIL_LINES:])
            raise ToolchainError(f"{origin}: {' '.join(command)} failed: {tail}")
    if not (build / "blackboxInterp").is_file():
        raise ToolchainError(f"{origin}: build-linux linked no blackboxInterp")


# ---------------------------------------------------------------- compiling

# BlackBox's compiler and interpreter are started by this small Python program, not by us: a forked
# child starts with its parent's resident memory as its peak (Linux keeps it across exec), so only a
# parent as small as this one lets the program's own peak be seen. It sets the limits in the child it
# forks (they would not leave room for a Python of its own), waits for it and writes the child's peak
# in KB to argv[1]. No preexec_fn: our callers run threads.
_LAUNCHER = """
import os, resource, sys
peak_file, address_space, cpu, file_size, argv = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execvp(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(peak_file, "w") as handle:
    handle.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def bounded_argv(argv: list[str], peak_file: Path, timeout_s: float, memory_mb: int, file_size: int) -> list[str]:
    """`argv` run under limits: address space, CPU seconds (`timeout_s`), file size; its peak to `peak_file`."""
    cpu = math.ceil(timeout_s) + 1
    limits = [str(memory_mb * 1024 * 1024), str(cpu), str(file_size)]
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(peak_file), *limits, *argv]




def module_path(module: str) -> str:
    """Where BlackBox looks for a module's source: `TstHello` -> `Tst/Mod/Hello.cp`.

    As Kernel.SplitName: the subsystem is the name up to its first capital that follows a
    non-capital (`DevCPM` -> Dev, CPM); a name without one (`Hello`, `CPM`) belongs to System,
    where BlackBox's loader looks for a module without a subsystem.
    """
    for i in range(1, len(module)):
        if module[i].isascii() and module[i].isupper() and not (module[i - 1].isascii() and module[i - 1].isupper()):
            return f"{module[:i]}/Mod/{module[i:]}.cp"
    return f"System/Mod/{module}.cp"


@dataclass
class _Source:
    name: str
    text: str  # what the compiler sees: a module, newlines as "\n"
    path: str  # relative to the batch folder
    line_shift: int  # lines added in front by wrapping a fragment


def prepare_source(index: int, name: str, text: str) -> _Source:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # BlackBox's CHAR is 16-bit: a character beyond it would take two and shift every later offset.
    text = _NON_BMP.sub("\ufffd", text)
    module = as_module(text)
    found = MODULE_NAME.match(module)
    # A MODULE without a usable name still goes to the compiler, which names the fault.
    path = module_path(found.group(1)) if found else f"Bbcopilot/Mod/Unnamed{index}.cp"
    return _Source(name, module, path, 0 if module is text else module.count("\n", 0, module.find("\n") + 1))


def _line_col(text: str, offset: int, line_shift: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    return max(1, text.count("\n", 0, offset) + 1 - line_shift), offset - line_start + 1


def compile_sources(build: Path, sources: list[tuple[str, str]], processes: int = 1) -> list[CompileResult]:
    """Compile (name, text) sources with BlackBox's compiler, in order; one process per batch.

    Sources that would share a file (two `MODULE TstA`) go to successive rounds, each its own process;
    so do the sources after one the compiler trapped on. A later source may import an earlier one:
    they share a folder. Sources that do not import each other (answers to judge) may be split over
    up to `processes` compilers at once, each in its own folder.
    """
    prepared = [prepare_source(i, name, text) for i, (name, text) in enumerate(sources)]
    return compile_in_rounds(build, prepared, lambda batch: _compile_split(build, batch, processes))


def compile_in_rounds(build: Path, prepared: list[_Source],
                      compile_round: Callable[[list[_Source]], dict[str, CompileResult]]) -> list[CompileResult]:
    """The results of `prepared`, in order: each round `compile_round`s the pending sources of distinct
    paths (results by path); what it did not finish (a second source of one path, the sources after a
    trap) goes to the next round."""
    results: list[CompileResult | None] = [None] * len(prepared)
    pending = list(range(len(prepared)))
    while pending:
        taken: dict[str, int] = {}
        for i in pending:
            taken.setdefault(prepared[i].path, i)
        finished = compile_round([prepared[i] for i in taken.values()])
        if not finished:  # a round that finishes nothing would repeat forever
            raise ToolchainError(f"{build}: the compiler finished none of {len(taken)} sources")
        for i in taken.values():
            results[i] = finished.get(prepared[i].path)
        pending = [i for i in pending if results[i] is None]
    return [result for result in results if result is not None]


def _compile_split(build: Path, sources: list[_Source], processes: int) -> dict[str, CompileResult]:
    # A compiler process costs about what a dozen small compiles do: split only what fills each.
    parts = max(1, min(processes, len(sources) // MIN_SOURCES_PER_PROCESS))
    if parts == 1:
        return _compile_round(build, sources)
    slices = [sources[k * len(sources) // parts:(k + 1) * len(sources) // parts] for k in range(parts)]
    finished: dict[str, CompileResult] = {}
    with ThreadPoolExecutor(max_workers=parts) as pool:
        for part in pool.map(lambda part: _compile_round(build, part), slices):
            finished |= part
    return finished


def _compile_round(build: Path, sources: list[_Source]) -> dict[str, CompileResult]:
    with tempfile.TemporaryDirectory(prefix="bbcopilot-compile-") as folder:
        return compile_in(build, Path(folder), sources)


def compile_in(build: Path, use_dir: Path, sources: list[_Source]) -> dict[str, CompileResult]:
    """Compile prepared sources (distinct paths) in `use_dir`, which keeps their code and symbol files."""
    for source in sources:
        target = use_dir / source.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.text, encoding="utf-8", errors="replace", newline="\n")
    (use_dir / BATCH_LIST).write_text("".join(s.path + "\n" for s in sources), encoding="utf-8")
    timeout_s = BATCH_TIMEOUT_S + PER_SOURCE_TIMEOUT_S * len(sources)
    # Bounded: a source that overflows the compiler's stack grows it by gigabytes before it traps.
    argv = bounded_argv([str(build / "run-dev0")], use_dir / ".peak", timeout_s, COMPILER_MEMORY_MB, COMPILER_FILE_BYTES)
    try:
        done = subprocess.run(argv, cwd=use_dir, input=f"{HELPER_MODULE}.Batch\n", capture_output=True, text=True,
                              errors="replace", timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ToolchainError(f"{build}: the compiler did not run ({err})") from None
    return _parse(done.stdout + done.stderr, sources, build)


def trap_message(lines: list[str]) -> str | None:
    """A TRAP report's number and message ("135 index out of range"); None when there is no report."""
    begin = next((i for i, line in enumerate(lines) if "TRAP REPORT - BEGIN" in line), None)
    # The report's first line is the trap's PC, its second the number and message.
    if begin is None:
        return None
    return lines[begin + 2].strip() if begin + 2 < len(lines) else "no trap message"


def _parse(output: str, sources: list[_Source], build: Path) -> dict[str, CompileResult]:
    """The results of the sources the batch finished, by path (one it trapped on counts as finished)."""
    by_path = {source.path: source for source in sources}
    errors: dict[str, list[tuple[int, int, str]]] = {source.path: [] for source in sources}
    results: dict[str, CompileResult] = {}
    current: str | None = None
    for line in output.splitlines():
        if line.startswith("@@begin "):
            current = line[len("@@begin "):].strip()
        elif (error := _ERROR.match(line)) and current in by_path:
            source = by_path[current]
            line_no, col = _line_col(source.text, int(error.group(1)), source.line_shift)
            errors[current].append((line_no, col, error.group(3).strip() or f"error {error.group(2)}"))
        elif (end := _END.match(line)) and end.group(1) in by_path:
            path = end.group(1)
            results[path] = CompileResult(by_path[path].name, end.group(2) == "ok", errors[path],
                                          max(int(end.group(3)), 0) / 1000)
            current = None
    if "@@done" not in output:
        # The compiler itself trapped: the source it was on fails with the trap; the rest was never reached.
        lines = output.splitlines()
        trap = trap_message(lines) or "no trap report"
        if current in by_path and current not in results:
            results[current] = CompileResult(by_path[current].name, False, [(0, 0, f"the compiler trapped: {trap}")])
        elif not results:
            tail = " | ".join(output.strip().splitlines()[-TAIL_LINES:])
            raise ToolchainError(f"{build}: the compiler ran no batch: {tail or 'no output'}")
    return results
