"""Component Pascal checker: syntax (lark LALR), cheap static rules, Pascal/Delphi habits.

    check_source(text, filename) -> list[Diagnostic]   # [] when the module is valid
"""

from bbcopilot.cpcheck.checker import check_source
from bbcopilot.cpcheck.lexer import Diagnostic

__all__ = ["Diagnostic", "check_source"]
