"""Run a command of an untrusted Component Pascal module in BlackBox's console interpreter, bounded.

`run_command` compiles the module (toolchain.compile_in) in a fresh temporary folder, makes that
folder the interpreter's current folder and so its `BB_USE_DIR` (searched before the build, and where
`Files.dir.This("")` writes), runs `Module.Proc` there and deletes the folder. The interpreter runs
in its own process group under limits: wall clock (the group is killed), CPU seconds, address space
(RLIMIT_AS; BlackBox's `NEW` then fails and the program traps), file size (which also caps the log,
written to a file outside the folder), and a network namespace of its own (`unshare --net`) where
this machine allows one. It is still the same user: files it can reach by an absolute path, it can
write.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bbcopilot.blackbox.toolchain import (
    CompileResult, ToolchainError, bounded_argv, compile_in, prepare_source, trap_message,
)

# Measured here: blackboxInterp (32-bit) starts and runs a hello-world with 6 MB of address space and
# fails to start with 4 MB ("Error 06"); below this floor a limit would report startup, not the program.
MEMORY_FLOOR_MB = 32
# RLIMIT_FSIZE: the largest file, the log included. Seen here: a write past it fails and the
# interpreter traps (`203 illegal memory read`), so endless output ends as a trap, not a hang.
LOG_LIMIT_BYTES = 16 * 1024 * 1024
# A trap with at least this share of the memory limit resident is the heap running out: NEW
# returns NIL when the address space is exhausted and the next dereference traps (seen here:
# `203 illegal memory read [ad = 00061A80]`, the offset of a field of the NIL record).
MEMORY_SHARE = 0.7
STACK_OVERFLOW = "137 "  # the trap number of "137 stack overflow"
STATUSES = ("ok", "compile_error", "trap", "timeout", "memory")
_COMMAND = re.compile(r"^[A-Za-z]\w*\.[A-Za-z]\w*$")


@dataclass
class RunResult:
    """What a run ended in: `status` is one of STATUSES."""

    status: str
    log: str = ""  # the program's StdLog output (without any trap report)
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # compile errors: line, column, message
    trap: str | None = None  # "135 index out of range"
    seconds: float = 0.0  # the interpreter's wall-clock time (0 when it did not run)
    network_isolated: bool = False  # run in a network namespace of its own
    max_rss_mb: float = 0.0
    failed_source: str = ""  # the name of the source that did not compile

    def summary(self) -> str:
        """One line for a user: what went wrong (or ok)."""
        if self.status == "compile_error":
            line, col, message = self.errors[0] if self.errors else (0, 0, "does not compile")
            return f"{line}:{col}: compile error: {message}"
        if self.status == "trap":
            return f"trap: {self.trap}"
        if self.status == "timeout":
            return f"timeout after {self.seconds:.1f} s"
        if self.status == "memory":
            return f"memory limit exhausted ({self.trap or 'killed'}, {self.max_rss_mb:.0f} MB resident)"
        return "ok"


@functools.cache
def network_namespace_works() -> bool:
    """Whether `unshare --net` runs here (probed once per process)."""
    try:
        return subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_command(build: Path, source_text: str, command: str, timeout_s: float = 10, memory_mb: int = 512,
                name: str = "<source>", before: Sequence[tuple[str, str]] = (),
                after: Sequence[tuple[str, str]] = ()) -> RunResult:
    """Compile `source_text` and run `command` (`Module.Proc`) in the interpreter of `build`, bounded.

    `before` and `after` are (name, text) modules compiled in the same folder, before and after the
    source: the modules it imports, and the modules that import it (a test module).
    """
    if not _COMMAND.match(command):
        raise ValueError(f"{command!r}: not a command (Module.Proc)")
    memory_mb = max(int(memory_mb), MEMORY_FLOOR_MB)
    sources = [prepare_source(i, label, text) for i, (label, text) in enumerate([*before, (name, source_text), *after])]
    with tempfile.TemporaryDirectory(prefix="bbcopilot-run-") as folder:
        use_dir = Path(folder)
        compiled = compile_in(build, use_dir, sources)
        for source in sources:
            result: CompileResult | None = compiled.get(source.path)
            if result is None or not result.ok:
                return RunResult("compile_error", errors=result.errors if result else [(0, 0, "not compiled")],
                                 failed_source=source.name)
        return _interpret(build, use_dir, command, timeout_s, memory_mb)


def _interpret(build: Path, use_dir: Path, command: str, timeout_s: float, memory_mb: int) -> RunResult:
    isolated = network_namespace_works()
    argv = (["unshare", "--net"] if isolated else []) + [str(build / "run-BlackBoxInterp")]
    peak_file = use_dir.parent / f"{use_dir.name}.peak"  # outside the program's folder
    with tempfile.TemporaryFile() as log_file:
        started = time.monotonic()
        try:
            proc = subprocess.Popen(bounded_argv(argv, peak_file, timeout_s, memory_mb, LOG_LIMIT_BYTES), cwd=use_dir,
                                    stdin=subprocess.PIPE,
                                    stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as err:
            raise ToolchainError(f"{build}: the interpreter did not start ({err})") from None
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the script, the interpreter, anything they started
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            try:
                proc.stdin.write(f"{command}\n".encode())
                proc.stdin.close()
            except BrokenPipeError:
                pass
            proc.wait()
        finally:
            timer.cancel()
        try:  # what the program left running in its group goes too
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:  # none left
            pass
        seconds = time.monotonic() - started
        log_file.seek(0)
        output = log_file.read().decode("utf-8", errors="replace")
    try:
        rss_mb = int(peak_file.read_text()) / 1024
    except (OSError, ValueError):  # the launcher was killed (timeout) before it could write
        rss_mb = 0.0
    finally:
        peak_file.unlink(missing_ok=True)
    lines = output.splitlines()
    begin = next((i for i, line in enumerate(lines) if "TRAP REPORT - BEGIN" in line), len(lines))
    log = "".join(output.splitlines(keepends=True)[:begin])
    trap = trap_message(lines)
    result = RunResult("ok", log=log, trap=trap, seconds=seconds, network_isolated=isolated,
                       max_rss_mb=rss_mb)
    # An endless recursion also grows the process to the limit, but BlackBox names it: a stack overflow is a trap.
    near_limit = rss_mb >= MEMORY_SHARE * memory_mb and not (trap or "").startswith(STACK_OVERFLOW)
    # The interpreter's answer to a command it cannot call ("command error: command X not found in M").
    refused = next((line.strip() for line in lines if line.startswith("command error:")), None)
    # The launcher passes on a signal that ended the interpreter as 128 + its number; our timer kills the launcher.
    code = proc.returncode
    died_of = -code if code < 0 else code - 128 if code > 128 else None
    if timed_out.is_set() or died_of in (signal.SIGXCPU, signal.SIGKILL) and not near_limit:
        result.status = "timeout"
    elif near_limit and (trap is not None or proc.returncode != 0):
        result.status = "memory"
    elif trap is not None:
        result.status = "trap"
    elif refused is not None:
        result.status, result.trap = "trap", refused
    elif proc.returncode != 0:
        result.status, result.trap = "trap", f"the interpreter exited with status {proc.returncode}: " + (
            " | ".join(lines[-3:]) or "no output")
    return result
