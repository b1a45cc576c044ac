"""The copilot: plan one tool call, run it through the API's own code, render the answer.

Configuration from the environment (read once, when the app first serves /copilot/chat):
``ENERGY_COPILOT_PLANNER`` (``rule``, default, or ``ollama``), ``OLLAMA_HOST`` (default
http://127.0.0.1:11434), ``ENERGY_COPILOT_MODEL`` (default ``llama3.2:3b``), ``ENERGY_COPILOT_TIMEOUT_S``
(default 20) and ``ENERGY_COPILOT_TODAY`` (ISO day; default: the last day of the readings).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from typing import Any

from energy_api.copilot import render as renderer
from energy_api.copilot.language import EN, detect_language
from energy_api.copilot.planner import DEFAULT_MODEL, OllamaPlanner, Plan, PlanContext, Planner, RulePlanner
from energy_api.copilot.session import SessionStore
from energy_api.copilot.tools import TOOLS, ToolError, validate
from energy_assets.domain import calendar
from energy_assets.domain.data import schema

MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class CopilotSettings:
    planner: str = "rule"
    ollama_host: str | None = None
    model: str = DEFAULT_MODEL
    timeout_s: float = 20.0
    today: dt.date | None = None

    @classmethod
    def from_env(cls) -> CopilotSettings:
        today = os.environ.get("ENERGY_COPILOT_TODAY")
        return cls(
            planner=os.environ.get("ENERGY_COPILOT_PLANNER", "rule").strip().lower() or "rule",
            ollama_host=os.environ.get("OLLAMA_HOST") or None,
            model=os.environ.get("ENERGY_COPILOT_MODEL", DEFAULT_MODEL),
            timeout_s=float(os.environ.get("ENERGY_COPILOT_TIMEOUT_S", "20")),
            today=dt.date.fromisoformat(today) if today else None,
        )

    def make_planner(self) -> Planner:
        if self.planner == "ollama":
            return OllamaPlanner(host=self.ollama_host, model=self.model, timeout_s=self.timeout_s)
        if self.planner != "rule":
            raise ValueError(f"ENERGY_COPILOT_PLANNER must be 'rule' or 'ollama', got {self.planner!r}")
        return RulePlanner()


class Copilot:
    """One per app: the service's data and models, a planner, bounded sessions."""

    def __init__(
        self,
        service: Any,
        planner: Planner | None = None,
        today: dt.date | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        self.service = service
        self.planner = planner or RulePlanner()
        self._today = today
        self.sessions = sessions or SessionStore()

    @classmethod
    def from_settings(cls, service: Any, settings: CopilotSettings | None = None) -> Copilot:
        settings = settings or CopilotSettings.from_env()
        return cls(service, settings.make_planner(), settings.today)

    def today(self) -> dt.date:
        """The configured 'today', else the day of the last reading (the data is 2018)."""
        if self._today is not None:
            return self._today
        readings, _ = self.service.readings()
        return calendar.interval_date(readings[schema.TIMESTAMP].iloc[[-1]]).iloc[0].date()

    def chat(self, message: str, session_id: str | None = None) -> dict[str, Any]:
        """Answer one message: ``{answer, language, tool_calls, session_id, planner, latency_ms}``."""
        started = time.perf_counter()
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS]
        session = self.sessions.get(session_id)
        today = self.today()
        context = PlanContext(
            today=today,
            language=session.language or detect_language(message, EN),
            last_period=session.last_period,
        )
        plan = self.planner.plan(message, context)
        tool_calls: list[dict[str, Any]] = []
        result: dict[str, Any] | None = None
        if plan.clarify is None and plan.tool is not None:
            result = self._run(plan, today)
            tool_calls.append({"name": plan.tool, "arguments": plan.arguments, "result": result})
            self._remember(session, plan, result)
        answer = renderer.render(plan, result)
        session.language = plan.language
        session.turns.append({"message": message, "answer": answer, "tool": plan.tool})
        return {
            "answer": answer,
            "language": plan.language,
            "tool_calls": tool_calls,
            "session_id": session.session_id,
            "planner": plan.planner,
            "latency_ms": (time.perf_counter() - started) * 1000.0,
        }

    def _run(self, plan: Plan, today: dt.date) -> dict[str, Any]:
        assert plan.tool is not None
        try:
            args = validate(plan.tool, plan.arguments)  # again: no plan reaches a tool unchecked
            return TOOLS[plan.tool].run(self.service, args, today)
        except ToolError as exc:
            return {"error": str(exc)}

    @staticmethod
    def _remember(session: Any, plan: Plan, result: dict[str, Any]) -> None:
        session.last_tool = plan.tool
        if "error" in result:
            return
        args = plan.arguments
        if "start" in args and "end" in args:
            session.last_period = (dt.date.fromisoformat(args["start"]), dt.date.fromisoformat(args["end"]))
        elif "date" in result and isinstance(result["date"], str):
            day = dt.date.fromisoformat(result["date"])
            session.last_period = (day, day)


def ask(message: str, session_id: str | None = None) -> dict[str, Any]:
    """One answer without a server (the ``energy ask`` CLI): the same Service, champions and tools
    as the API, configured from the same environment variables."""
    from energy_api.main import create_app
    from energy_api.settings import Settings

    service = create_app(Settings.from_env()).state.service
    service.registry.refresh()
    return Copilot.from_settings(service).chat(message, session_id)
