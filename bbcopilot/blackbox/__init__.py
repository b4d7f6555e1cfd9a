"""BlackBox itself in the loop: its own compiler (and, later, its interpreter) run on our sources.

    build_toolchain(workspace, settings) -> Path        # a built copy of the BlackBox tree, once per content
    compile_sources(build, [(name, text), ...]) -> [CompileResult]   # one compiler process per batch
"""

from bbcopilot.blackbox.toolchain import CompileResult, ToolchainError, build_toolchain, compile_sources

__all__ = ["CompileResult", "ToolchainError", "build_toolchain", "compile_sources"]
