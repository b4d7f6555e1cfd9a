"""Component Pascal checker: syntax (lark LALR), cheap static rules, Pascal/Delphi habits.

    check_source(text, filename) -> list[Diagnostic]   # [] when the module is valid
    source_text(data, filename) -> (text, encoding)    # InputError for an .odc document or a binary file
"""

from bbcopilot.cpcheck.checker import check_source, source_text
from bbcopilot.cpcheck.lexer import Diagnostic

__all__ = ["Diagnostic", "check_source", "source_text"]
