"""The copilot: plan one tool call, run it through the API's own services, render the answer.

Configuration from the environment (read once, when the app is built): ``ENERGY_COPILOT_PLANNER``
(``rule``, default, or ``ollama``), ``OLLAMA_HOST`` (default http://127.0.0.1:11434),
``ENERGY_COPILOT_MODEL`` (default ``llama3.2:3b``), ``ENERGY_COPILOT_TIMEOUT_S`` (default 20) and
``ENERGY_COPILOT_TODAY`` (ISO day; default: the day of the last served reading).
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
from energy_api.copilot.session import Session, SessionStore
from energy_api.copilot.tools import TOOLS, ToolError, validate
from energy_api.registry import ModelNotLoadedError
from energy_assets.domain.query import Query
from energy_assets.domain.query.spec import POWER_FACTORS

MAX_MESSAGE_CHARS = 2000
#: The three totals an answer about one of them also states (the one asked first).
COMPANION_METRICS = ("usage_kwh", "cost_krw", "co2_t")
REACTIVE_SIDES = {
    "lagging_reactive_kvarh": "leading_reactive_kvarh",
    "leading_reactive_kvarh": "lagging_reactive_kvarh",
}
COMPANION_AGGREGATIONS = ("sum", "daily_mean", "weekly_mean", "monthly_mean", "hourly_mean", "interval_mean")


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

    def coverage(self) -> tuple[dt.date, dt.date]:
        _, cov = self.service.readings()
        return cov.first_day, cov.last_day

    def today(self) -> dt.date:
        """The configured 'today', else the day of the last served reading."""
        if self._today is not None:
            return self._today
        return self.coverage()[1]

    def chat(self, message: str, session_id: str | None = None) -> dict[str, Any]:
        """Answer one message: ``{answer, language, tool_calls, session_id, planner, latency_ms}``."""
        started = time.perf_counter()
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS]
        session = self.sessions.get(session_id)
        try:
            available = self.coverage()
        except ModelNotLoadedError as exc:
            lang = session.language or detect_language(message, EN)
            answer = (
                f"No puedo responder ahora: el servicio no tiene lecturas cargadas ({exc})."
                if lang == "es"
                else f"I can't answer now: the service has no readings loaded ({exc})."
            )
            return {
                "answer": answer,
                "language": lang,
                "tool_calls": [],
                "session_id": session.session_id,
                "planner": "none",
                "latency_ms": (time.perf_counter() - started) * 1000.0,
            }
        today = self._today or available[1]
        context = PlanContext(
            today=today,
            language=session.language or detect_language(message, EN),
            last_period=session.last_period,
            last_tool=session.last_tool,
            last_arguments=session.last_arguments,
            available=available,
        )
        plan = self.planner.plan(message, context)
        tool_calls: list[dict[str, Any]] = []
        result: dict[str, Any] | None = None
        if plan.clarify is None and plan.tool is not None:
            result = self._run(plan, today)
            tool_calls.append({"name": plan.tool, "arguments": plan.arguments, "result": result})
            self._remember(session, plan, result)
        answer = renderer.render(plan, result, (available[0].isoformat(), available[1].isoformat()))
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
            result = TOOLS[plan.tool].run(self.service, args, today)
        except ToolError as exc:
            first, last = self.coverage()
            return {"error": str(exc), "available": {"start": first.isoformat(), "end": last.isoformat()}}
        if plan.tool == "query":
            assert isinstance(args, Query)
            result["companions"] = self._companions(args, result)
        return result

    def _companions(self, query: Query, result: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The other totals of the same span and aggregation (kWh, KRW, tCO2), or the other
        power-factor aggregation, stated after the figure asked."""
        plain = query.group_by == "none" and query.share_of is None and query.compare_to is None
        if not plain or result.get("value") is None:
            return {}
        if query.metric in POWER_FACTORS:
            other = "sum" if query.aggregation == "plain_mean" else "plain_mean"
            if query.aggregation not in ("sum", "plain_mean"):
                return {}
            value = TOOLS["query"].run(
                self.service, query.model_copy(update={"aggregation": other}), self.today()
            )
            return {f"{query.metric}:{other}": {"value": value.get("value"), "unit": "%"}}
        if query.metric in REACTIVE_SIDES and query.aggregation in COMPANION_AGGREGATIONS:
            # reactive energy: the other side (lagging <-> leading) of the same span, after the one asked
            other = query.model_copy(update={"metric": REACTIVE_SIDES[query.metric]})
            value = TOOLS["query"].run(self.service, other, self.today())
            return {other.metric: {"value": value.get("value"), "unit": other.unit}}
        if query.metric not in COMPANION_METRICS or query.aggregation not in COMPANION_AGGREGATIONS:
            return {}
        out: dict[str, dict[str, Any]] = {}
        for metric in COMPANION_METRICS:
            if metric == query.metric:
                continue
            other = query.model_copy(update={"metric": metric})
            value = TOOLS["query"].run(self.service, other, self.today())
            out[metric] = {"value": value.get("value"), "unit": other.unit}
        return out

    @staticmethod
    def _remember(session: Session, plan: Plan, result: dict[str, Any]) -> None:
        if "error" in result:
            return
        session.last_tool = plan.tool
        session.last_arguments = plan.arguments
        args = plan.arguments
        span = args.get("span")
        if isinstance(span, dict):
            session.last_period = (dt.date.fromisoformat(span["start"]), dt.date.fromisoformat(span["end"]))
        elif "start" in args and "end" in args:
            session.last_period = (dt.date.fromisoformat(args["start"]), dt.date.fromisoformat(args["end"]))
        elif "date" in args:
            day = dt.date.fromisoformat(args["date"])
            session.last_period = (day, day)
