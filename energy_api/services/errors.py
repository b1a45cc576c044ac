"""Errors the services raise; the app's handlers turn them into 4xx answers naming field and rule."""

from __future__ import annotations

from energy_assets.domain.errors import InvalidInput


class InputRuleError(InvalidInput):
    """A request that breaks a rule the schema cannot express (batch limit, unique timestamps).

    Answered with ``status`` (422 unless said otherwise: 401/403 for the admin key, 404 for a day
    with no readings), naming the field and the rule.
    """

    def __init__(self, field: str, rule: str, status: int = 422, source: str = "body") -> None:
        super().__init__(field, rule)
        self.args = (f"{field}: {rule}",)
        self.status = status
        self.source = source
