"""BlackBox itself in the loop: its own compiler and its console interpreter run on our sources.

    build_toolchain(workspace, settings) -> Path        # a built copy of the BlackBox tree, once per content
    compile_sources(build, [(name, text), ...]) -> [CompileResult]   # one compiler process per batch
    run_command(build, text, "Module.Proc") -> RunResult          # compiled and run in a fresh folder, bounded
"""

from bbcopilot.blackbox.sandbox import RunResult, run_command
from bbcopilot.blackbox.toolchain import CompileResult, ToolchainError, build_toolchain, compile_sources

__all__ = ["CompileResult", "RunResult", "ToolchainError", "build_toolchain", "compile_sources", "run_command"]
