"""The fresh development batches (dev_fresh/fresh_*.yaml): balanced, new, and every expectation computes.

They follow the held-out format (tests/copilot/heldout/questions_v8.yaml) and are computed by the same
independent reference (tests/copilot/heldout/reference.py); these checks are the v3..v8 set rules,
at 4 cases (2 es, 2 en) per category instead of 8.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.copilot.heldout import grade
from tests.copilot.heldout.reference import SET_PATH, Reference, SpecError, expected_for, load_cases

HERE = Path(__file__).resolve().parent
BATCHES = {k: HERE / f"fresh_{k}.yaml" for k in "abcd"}
PRESENT = sorted(k for k, p in BATCHES.items() if p.exists())
HELDOUT = [SET_PATH, *(SET_PATH.with_name(f"questions_v{v}.yaml") for v in range(2, 9))]
#: the newest held-out set each batch is checked against (a and b were written before v8 existed)
HELD_UPTO = {"a": 7, "b": 7, "c": 8, "d": 8}
MARKERS = {"partial": "partial", "no_data": "no_data", "decline": "decline"}


@functools.cache
def cases(batch: str) -> list[dict]:
    return load_cases(BATCHES[batch])


@functools.cache
def heldout_cases() -> tuple[dict, ...]:
    """v1..v8, parsed once with libyaml where present (their shape is checked by test_grader.py)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(c for p in HELDOUT for c in yaml.load(p.read_text("utf-8"), Loader=loader)["cases"])


def asked(all_cases: list[dict]) -> list[str]:
    return [t["q"].strip().lower() for c in all_cases for t in c["turns"]]


@pytest.fixture(scope="module")
def real() -> Reference:
    try:
        return Reference()
    except FileNotFoundError as err:  # pragma: no cover - the raw CSV is not in this checkout
        pytest.skip(str(err))


@pytest.mark.parametrize("batch", PRESENT)
def test_a_fresh_batch_is_balanced_with_unique_ids(batch: str) -> None:
    path = BATCHES[batch]
    head = yaml.safe_load(path.read_text("utf-8").split("\ncases:")[0])
    assert head == {"version": f"fresh_{batch}", "today": dt.date(2018, 12, 31)}
    got = cases(batch)
    ids = [c["id"] for c in got]
    assert len(got) == 88 and len(set(ids)) == 88 and all(i.startswith(f"f{batch}-") for i in ids)
    categories = {c["category"] for c in heldout_cases() if c["id"].startswith("v7-")}
    assert {c["category"] for c in got} == categories and len(categories) == 22
    per = Counter((c["category"], c["lang"]) for c in got)
    assert all(per[(cat, lang)] == 2 for cat in categories for lang in ("es", "en")), per
    assert all(len(c["turns"]) >= 2 for c in got if c["category"] == "follow_ups")
    held_ids = {c["id"] for c in heldout_cases()}
    other_ids = {c["id"] for k in PRESENT if k != batch for c in cases(k)}
    assert not set(ids) & (held_ids | other_ids)


def test_no_fresh_question_nearly_repeats_a_heldout_one_or_another_fresh_one() -> None:
    from rapidfuzz import fuzz, process

    earlier = {
        upto: asked([c for c in heldout_cases() if upto >= 8 or not c["id"].startswith("v8-")])
        for upto in set(HELD_UPTO.values())
    }
    fresh = [(k, c["id"], q) for k in PRESENT for c in cases(k) for q in asked([c])]
    for k, cid, q in fresh:
        match, score, _ = process.extractOne(q, earlier[HELD_UPTO[k]], scorer=fuzz.ratio)
        assert score < 90, f"{cid}: {q!r} is nearly the held-out {match!r} ({score:.0f})"
    for (_, ia, qa), (_, ib, qb) in itertools.combinations(fresh, 2):
        assert fuzz.ratio(qa, qb) < 90, f"{ia}: {qa!r} is nearly {ib}: {qb!r}"


@pytest.mark.parametrize("batch", PRESENT)
def test_every_fresh_expectation_computes(real: Reference, batch: str) -> None:
    for case in cases(batch):
        for i in grade.graded_turns(case["turns"]):
            try:
                expected = expected_for(real, case["turns"][i]["expect"])
            except SpecError as err:  # pragma: no cover - the message names the case
                pytest.fail(f"{case['id']}: {err}")
            assert expected.figures or expected.no_data or expected.decline, case["id"]
            marker = MARKERS.get(case["category"])
            if marker:  # the marker categories really test their marker
                assert getattr(expected, marker), case["id"]
            elif not expected.decline and not expected.no_data:
                assert not expected.partial, case["id"]  # a fully covered period outside "partial"
                named = expected.spans or expected.labels
                assert named or case["category"] == "tariff_arithmetic", case["id"]
