"""The development set (tests/copilot/dev_set.yaml), graded from the answer text by the public grading
contract (tests/copilot/heldout/grade.py) with figures from the independent reference
(tests/copilot/heldout/reference.py, used as a black box): accuracy per category and language, no
silent wrong answer, no crash. And on EVERY answer of the development and v1 sets: no figure is
labelled with a span larger than the data behind it."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.copilot.conftest import chat_turns
from tests.copilot.heldout import grade
from tests.copilot.heldout.reference import Reference, expected_for, load_cases
from tests.copilot.test_eval import EVAL

DEV_SET = Path(__file__).parent / "dev_set.yaml"
CASES = load_cases(DEV_SET)
ISO = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


@pytest.fixture(scope="module")
def reference(readings) -> Reference:
    from tests.copilot.heldout.reference import load_readings

    return Reference(load_readings())


@pytest.fixture(scope="module")
def dev_runs(copilot) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    return [(case, chat_turns(copilot, [str(t["q"]) for t in case["turns"]])) for case in CASES]


def _verdict(case: dict[str, Any], replies: list[dict[str, Any]], ref: Reference) -> tuple[str, list[str]]:
    available = (ref.first_day.isoformat(), ref.last_day.isoformat())
    runs = [grade.TurnRun(t["q"], r["answer"], 200) for t, r in zip(case["turns"], replies, strict=True)]
    graded = set(grade.graded_turns(case["turns"]))
    grades = []
    reasons = []
    for i, (turn, reply) in enumerate(zip(case["turns"], replies, strict=True)):
        if i not in graded:
            grades.append(None)
            continue
        g = grade.grade_answer(reply["answer"], case["lang"], expected_for(ref, turn["expect"]), available)
        grades.append(g)
        reasons += g.reasons
    return grade.verdict(runs, grades), reasons


def test_dev_set_shape() -> None:
    langs = Counter(c["lang"] for c in CASES)
    assert len(CASES) >= 120 and abs(langs["es"] - langs["en"]) <= 2
    per_category = defaultdict(set)
    for case in CASES:
        per_category[case["category"]].add(case["lang"])
    assert all(langs == {"es", "en"} for langs in per_category.values()), per_category


def test_dev_set_accuracy(dev_runs, reference: Reference, capsys: pytest.CaptureFixture[str]) -> None:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    failures = []
    for case, replies in dev_runs:
        verdict, reasons = _verdict(case, replies, reference)
        for key in (f"{case['category']}/{case['lang']}", case["category"], f"lang/{case['lang']}", "all"):
            table[key][verdict] += 1
        if verdict != grade.RIGHT:
            failures.append(f"{case['id']} [{verdict}] {reasons[:3]} :: {replies[-1]['answer'][:200]}")
    with capsys.disabled():
        summary = {k: f"{v[grade.RIGHT]}/{sum(v.values())}" for k, v in sorted(table.items()) if "/" not in k}
        print("\nCOPILOT DEV SET " + json.dumps({"per_category": summary, "failures": failures}, indent=1))
    total = table["all"]
    assert total[grade.SILENT_WRONG] == 0, failures
    assert total[grade.CRASH] == 0, failures
    assert total[grade.RIGHT] / sum(total.values()) >= 0.95, failures


# --- no figure labelled with a span larger than the data behind it -------------------------------
METRIC_UNITS = re.compile(r"\d\s?(?:kWh|kVArh|kVAh|KRW|tCO2)")
PARTIAL = re.compile(r"\b(?:only|partial|partly|solo|sólo|parcial)\b", re.IGNORECASE)


def _covered_spans(result: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The covered spans a result's figures stand for (None: the result carries no coverage)."""
    cov = result.get("coverage")
    if not isinstance(cov, dict):
        return None
    covered = cov.get("covered")
    parts = covered if isinstance(covered, list) else [covered]
    return [(c["start"], c["end"]) for c in parts if c]


def check_span_labels(reply: dict[str, Any], data: tuple[dt.date, dt.date]) -> list[str]:
    """Problems with the spans an answer's figures are labelled with (empty: none)."""
    problems: list[str] = []
    answer = reply["answer"]
    first, last = data
    for call in reply["tool_calls"]:
        result = call["result"]
        spans = _covered_spans(result)
        if spans is None:
            continue
        if not spans:
            if METRIC_UNITS.search(answer):
                problems.append("figures for a span without readings")
            continue
        for start, end in spans:
            a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
            if a < first or b > last:
                problems.append(f"covered span {start}..{end} outside the data {first}..{last}")
            if start not in answer or end not in answer:
                problems.append(f"the answer does not state the covered span {start}..{end}")
        lo = min(dt.date.fromisoformat(s) for s, _ in spans)
        hi = max(dt.date.fromisoformat(e) for _, e in spans)
        outside = [d for d in ISO.findall(answer) if not lo <= dt.date.fromisoformat(d) <= hi]
        if outside and not PARTIAL.search(answer):
            problems.append(f"dates {outside} beyond the covered span without saying the coverage is partial")
        if result["coverage"].get("partial") and not PARTIAL.search(answer):
            problems.append("partial coverage not said")
    return problems


def test_no_figure_is_labelled_with_a_span_larger_than_its_data(dev_runs, copilot) -> None:
    data = copilot.coverage()
    checked = 0
    bad = []
    v1 = [(item["id"], [copilot.chat(item["q"])]) for item in EVAL]
    for name, replies in [*((c["id"], r) for c, r in dev_runs), *v1]:
        for reply in replies:
            checked += bool(reply["tool_calls"])
            problems = check_span_labels(reply, data)
            if problems:
                bad.append((name, problems, reply["answer"][:200]))
    assert checked > 250
    assert bad == []


def test_the_check_catches_a_mislabelled_span() -> None:
    reply = {
        "answer": "Total consumption, 2018-12-31 to 2019-01-06: 339 kWh.",
        "tool_calls": [
            {
                "result": {
                    "coverage": {
                        "covered": {"start": "2018-12-31", "end": "2018-12-31", "days": 1},
                        "partial": True,
                    }
                }
            }
        ],
    }
    data = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
    assert check_span_labels(reply, data)
    reply["answer"] = "Partial coverage: only 2018-12-31 has readings (of 2018-12-31 to 2019-01-06): 339 kWh."
    assert check_span_labels(reply, data) == []
