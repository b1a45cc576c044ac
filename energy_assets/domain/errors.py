"""Errors that are the caller's fault, as opposed to a bug or a broken deployment.

Domain code raises :class:`InvalidInput` for input that breaks a stated rule (a window with no
readings, more kWh to move than there are); the API answers it with 422 naming the field and the
rule. Any other exception is the service's fault: the API answers 500 with a request id and logs it.
"""

from __future__ import annotations


class InvalidInput(ValueError):
    """Input that breaks ``rule``; ``field`` names the input (dotted for nested fields).

    ``str()`` is the rule alone (it usually names the field in words already)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(rule)
        self.field = field
        self.rule = rule


__all__ = ["InvalidInput"]
