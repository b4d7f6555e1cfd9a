"""The project's exception types: one per kind of fault a user can fix.

They are raised where the fault is found, with a message that names the file,
record or key and the reason, and caught once where the run decides to stop
(the CLI prints the message, no traceback) or to skip the input and report it.
"""


class BBCopilotError(Exception):
    """A fault the user can fix; its message is shown as is."""


class ConfigError(BBCopilotError):
    """A profile or setting is missing, unreadable or of the wrong type."""


class InputError(BBCopilotError):
    """One input (a file, a record, a page) cannot be used; the run skips it and reports it."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
