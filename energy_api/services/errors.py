"""Errors the services raise; the app's handlers turn them into 404 and 422 answers."""

from __future__ import annotations


class InputRuleError(ValueError):
    """A request that breaks a rule the schema cannot express (batch limit, unique timestamps)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class NotFoundError(LookupError):
    """Nothing to answer for what was asked (e.g. a day without readings); answered with 404."""
