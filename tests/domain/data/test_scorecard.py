"""The project's scorecard agrees with the independent yardstick in shared/tools/score_clean.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from energy_assets.domain.data import cleaning, ingest, scorecard

YARDSTICK = Path(__file__).resolve().parents[2].parent / "shared" / "tools" / "score_clean.py"


@pytest.mark.skipif(not YARDSTICK.exists(), reason="shared/tools/score_clean.py is not beside the repository")
def test_scorecard_agrees_with_the_shared_yardstick(
    tmp_path, course_dirty_csv, reference_csv, clean_reference
):
    result = cleaning.clean(ingest.read_raw(course_dirty_csv))
    out = tmp_path / "clean.parquet"
    result.cleaned.to_parquet(out)
    proc = subprocess.run(
        [sys.executable, str(YARDSTICK), str(out), str(reference_csv)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = re.search(
        r"rows (\d+)/35040; invalid rows in output (\d+); exact-match cells ([\d.]+)%; "
        r"at-precision cells ([\d.]+)%",
        proc.stdout,
    )
    assert found, proc.stdout
    ours = scorecard.score(result.cleaned, clean_reference)
    assert int(found.group(1)) == ours.rows_recovered == 35_040
    assert int(found.group(2)) == ours.invalid_rows == 0
    assert float(found.group(3)) == pytest.approx(ours.exact_match_pct, abs=0.001)
    assert float(found.group(4)) == pytest.approx(ours.precision_match_pct, abs=0.001)


def test_missing_rows_and_wrong_cells_lower_the_score(clean_reference):
    damaged = clean_reference.drop(index=range(100)).copy()
    damaged.loc[200, "usage_kwh"] += 1.0
    score = scorecard.score(damaged, clean_reference)
    assert score.rows_recovered == 35_040 - 100
    assert score.mismatched_cells_by_column["usage_kwh"] == 101
    assert score.exact_match_pct == pytest.approx(100 * (1 - (100 * 10 + 1) / 350_400), abs=0.001)
    assert not scorecard.score(clean_reference.head(10), clean_reference).passes
