"""Run a held-out copilot set through POST /copilot/chat and grade every answer from its text.

    python benchmarks/copilot_eval.py --set tests/copilot/heldout/questions.yaml \
        --out data/benchmarks/copilot_heldout.json

Each case runs turn by turn in its own session against the API app built in-process (FastAPI
TestClient over ``create_app``); the expected figures come from ``tests/copilot/heldout/reference.py``
(independent pandas over the raw CSV and the tariff YAML) and the verdicts from ``grade.py``. Writes
JSON (summary + every case with its answers and why it failed) and prints accuracy per category and
language, verdict counts and latency p50/p95.

Only :func:`build_ask` knows how the product is wired; the set, the reference and the grader do not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.copilot.heldout import grade  # noqa: E402
from tests.copilot.heldout.reference import Reference, SpecError, expected_for, find_csv, load_cases  # noqa: E402

Ask = Callable[[str, str], grade.TurnRun]


def build_client(workdir: Path) -> Any:
    """The product's wiring (the one part that changes with it): a champion over the FULL 2018
    reference (physics estimator + weekly seasonal naive), the full cleaned readings published as the
    serving readings (the ``serving_readings`` asset's function), the rule planner, and a TestClient
    on ``/copilot/chat``."""
    import pandas as pd
    from fastapi.testclient import TestClient

    from energy_api.main import create_app
    from energy_api.registry import HISTORY_FILE
    from energy_api.settings import Settings
    from energy_assets.domain.data import schema
    from energy_assets.domain.models.forecast import SeasonalNaiveForecaster
    from energy_assets.domain.serving.readings import publish_readings
    from energy_assets.domain.tasks import TEST, VALIDATION
    from energy_assets.domain.training import champion
    from energy_assets.domain.training.results import EVALUATED, ForecastResult
    from tests.api.conftest import estimate_result

    os.environ.pop("ENERGY_COPILOT_TODAY", None)  # "today" = the last reading's day, as the contract says
    raw = pd.read_csv(find_csv(), encoding="utf-8-sig").rename(columns=schema.RAW_TO_CLEAN)
    ts = pd.to_datetime(raw[schema.TIMESTAMP], format=schema.RAW_DATE_FORMAT)
    raw[schema.TIMESTAMP] = ts + pd.to_timedelta((raw[schema.NSM] == 0).astype(int), unit="D")
    raw[schema.NSM] = raw[schema.NSM].astype("int64")
    readings = raw[list(schema.CLEAN_COLUMNS)].sort_values(schema.TIMESTAMP).reset_index(drop=True)

    forecaster = SeasonalNaiveForecaster().fit(readings)
    fc = ForecastResult(
        family=forecaster.name,
        status=EVALUATED,
        model=forecaster,
        metrics={VALIDATION: {"rmse": 24.7}, TEST: None},
    )
    for result, attachments in ((estimate_result(readings), None), (fc, {HISTORY_FILE: readings})):
        champion.write_bundle(
            result,
            workdir,
            data_version="sha256:heldout",
            code_version="heldout",
            attachments=attachments,
            created_at="2026-01-01T00:00:00+00:00",
        )
    publish_readings(readings, workdir, data_version="sha256:heldout")

    app = create_app(Settings(champion_dir=workdir, prediction_log=None, reload_interval_s=0))
    report = app.state.service.registry.refresh()
    if report != {"estimate": "loaded", "forecast": "loaded", "readings": "loaded"}:
        raise RuntimeError(f"champion bundles did not load: {report}")
    return TestClient(app, raise_server_exceptions=False)


def build_ask(workdir: Path) -> Ask:
    """``ask(message, session_id)`` over POST /copilot/chat of :func:`build_client`'s app."""
    client = build_client(workdir)

    def ask(message: str, session_id: str) -> grade.TurnRun:
        started = time.perf_counter()
        try:
            response = client.post("/copilot/chat", json={"message": message, "session_id": session_id})
        except Exception as exc:  # a crash is a verdict, not the end of the run
            return grade.TurnRun(message, None, None, f"{type(exc).__name__}: {exc}")
        latency = (time.perf_counter() - started) * 1000.0
        answer = None
        error = None
        try:
            body = response.json()
            answer = body.get("answer") if isinstance(body, dict) else None
        except ValueError:
            error = response.text[:500]
        if response.status_code >= 400:
            error = response.text[:500]
        return grade.TurnRun(message, answer, response.status_code, error, latency)

    return ask


def session_id_of(case_id: str) -> str:
    return "heldout-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in case_id)[:48]


def run_case(case: dict[str, Any], ref: Reference, ask: Ask, available: tuple[str, str]) -> dict[str, Any]:
    runs: list[grade.TurnRun] = []
    grades: list[grade.TurnGrade | None] = []
    turns_out = []
    graded = set(grade.graded_turns(case["turns"]))
    sid = session_id_of(case["id"])
    for i, turn in enumerate(case["turns"]):
        run = ask(str(turn["q"]), sid)
        runs.append(run)
        tg = None
        if i in graded and not grade.crashed(run):
            expected = expected_for(ref, turn["expect"])
            tg = grade.grade_answer(run.answer or "", case["lang"], expected, available)
        grades.append(tg)
        turns_out.append(
            {
                "q": run.message,
                "answer": run.answer,
                "status": run.status,
                "error": run.error,
                "latency_ms": run.latency_ms,
                "graded": i in graded,
                "ok": None if tg is None else tg.ok,
                "why": [] if tg is None else tg.reasons,
            }
        )
    v = grade.verdict(runs, grades)
    return {
        "id": case["id"],
        "lang": case["lang"],
        "category": case["category"],
        "verdict": v,
        "turns": turns_out,
    }


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(r["verdict"] for r in results)
    per_cat: dict[str, dict[str, Any]] = defaultdict(lambda: {"n": 0, **dict.fromkeys(grade.VERDICTS, 0)})
    per_lang: dict[str, dict[str, Any]] = defaultdict(lambda: {"n": 0, **dict.fromkeys(grade.VERDICTS, 0)})
    per_cat_lang: dict[str, dict[str, Any]] = defaultdict(lambda: {"n": 0, grade.RIGHT: 0})
    for r in results:
        for bucket in (per_cat[r["category"]], per_lang[r["lang"]]):
            bucket["n"] += 1
            bucket[r["verdict"]] += 1
        cl = per_cat_lang[f"{r['category']}/{r['lang']}"]
        cl["n"] += 1
        cl[grade.RIGHT] += r["verdict"] == grade.RIGHT
    for bucket in (*per_cat.values(), *per_lang.values(), *per_cat_lang.values()):
        bucket["accuracy"] = bucket[grade.RIGHT] / bucket["n"]
    latencies = [t["latency_ms"] for r in results for t in r["turns"] if t["latency_ms"] is not None]
    return {
        "cases": len(results),
        "right": counts[grade.RIGHT],
        "accuracy": counts[grade.RIGHT] / len(results) if results else 0.0,
        "verdicts": {v: counts[v] for v in grade.VERDICTS},
        "per_category": dict(per_cat),
        "per_language": dict(per_lang),
        "per_category_language": dict(per_cat_lang),
        "latency_ms": {
            "turns": len(latencies),
            "p50": float(np.percentile(latencies, 50)) if latencies else None,
            "p95": float(np.percentile(latencies, 95)) if latencies else None,
            "max": float(max(latencies)) if latencies else None,
        },
    }


def print_report(summary: dict[str, Any], results: list[dict[str, Any]], show_failures: bool = True) -> None:
    head = f"{'category':<20} {'n':>3} {'right':>5} {'silent':>6} {'crash':>5} {'other':>5} {'acc':>6}  {'es':>5} {'en':>5}"
    print(head)
    print("-" * len(head))
    cl = summary["per_category_language"]
    for cat, b in summary["per_category"].items():
        es, en = cl.get(f"{cat}/es"), cl.get(f"{cat}/en")
        fmt = lambda x: f"{x[grade.RIGHT]}/{x['n']}" if x else "-"  # noqa: E731
        print(
            f"{cat:<20} {b['n']:>3} {b[grade.RIGHT]:>5} {b[grade.SILENT_WRONG]:>6} {b[grade.CRASH]:>5} "
            f"{b[grade.OTHER_WRONG]:>5} {100 * b['accuracy']:>5.1f}%  {fmt(es):>5} {fmt(en):>5}"
        )
    print("-" * len(head))
    for lang, b in summary["per_language"].items():
        print(
            f"{'lang ' + lang:<20} {b['n']:>3} {b[grade.RIGHT]:>5} {b[grade.SILENT_WRONG]:>6} {b[grade.CRASH]:>5} "
            f"{b[grade.OTHER_WRONG]:>5} {100 * b['accuracy']:>5.1f}%"
        )
    v, lat = summary["verdicts"], summary["latency_ms"]
    print(
        f"\nTOTAL {summary['right']}/{summary['cases']} right ({100 * summary['accuracy']:.1f} %); "
        f"silent wrong {v[grade.SILENT_WRONG]}, crash {v[grade.CRASH]}, other wrong {v[grade.OTHER_WRONG]}; "
        f"latency per turn p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms (max {lat['max']:.1f} ms)"
    )
    if not show_failures:
        return
    print("\nFailed cases:")
    for r in results:
        if r["verdict"] == grade.RIGHT:
            continue
        print(f"\n[{r['verdict']}] {r['id']} ({r['category']}, {r['lang']})")
        for t in r["turns"]:
            print(f"  Q: {t['q']}")
            answer = (t["answer"] or t["error"] or "").replace("\n", " | ")
            print(f"  A: {answer[:600]}")
            for why in t["why"]:
                print(f"     - {why}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "copilot" / "heldout" / "questions.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "copilot_heldout.json")
    parser.add_argument("--quiet", action="store_true", help="do not print the failed cases")
    args = parser.parse_args(argv)

    cases = load_cases(args.set)
    ref = Reference()
    for case in cases:  # every expectation must compute before anything runs
        for turn in case["turns"]:
            if "expect" in turn:
                try:
                    expected_for(ref, turn["expect"])
                except (SpecError, KeyError, ValueError) as exc:
                    raise SystemExit(f"{case['id']}: bad expectation: {exc}") from exc
    available = (ref.first_day.isoformat(), ref.last_day.isoformat())
    with tempfile.TemporaryDirectory(prefix="copilot_eval_") as tmp:
        ask = build_ask(Path(tmp))
        started = time.perf_counter()
        results = [run_case(case, ref, ask, available) for case in cases]
        wall = time.perf_counter() - started
    summary = summarize(results)
    summary["set"] = str(args.set)
    summary["wall_s"] = wall
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"summary": summary, "cases": results}, indent=2, ensure_ascii=False) + "\n"
    )
    print_report(summary, results, show_failures=not args.quiet)
    print(f"\nwrote {args.out} ({wall:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
