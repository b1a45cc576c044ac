"""Cut a real LightGBM champion at 10 points: what loading it did before, and what the API does now.

Before (issue 15) a serving worker loaded the bundle itself, so a native crash took the worker (and
the launcher) down. Now the registry refuses the candidate after a child-process probe. For each cut
this script (1) loads the cut bundle as a worker used to, in a throw-away process, and records how it
ended; (2) puts it in front of a real ModelRegistry in THIS process, with a manifest that matches the
cut file (the worst case: only the probe can tell), and records the outcome. The script surviving
all ten is the point.

Run: ``PYTHONPATH=. python benchmarks/bundle_faults.py`` (needs data/raw/steel_industry_data.csv).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from energy_api.registry import ModelRegistry
from energy_assets.domain import features, manifest
from energy_assets.domain.data import cleaning, ingest, schema
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.models.estimate.trees import LIGHTGBM_FILE, LightGBMEstimator
from energy_assets.domain.training import champion
from energy_assets.domain.training.results import EstimateResult

CUTS = 10


def _bundle(root: Path) -> Path:
    raw = ingest.read_raw(Path("data/raw") / ingest.UCI_FILENAME)
    readings = cleaning.clean(raw).cleaned.iloc[: 35 * 96]
    frame = features.build_features(readings)
    model = LightGBMEstimator(n_estimators=30).fit(frame[list(ESTIMATE_FEATURES)], frame[schema.USAGE_KWH])
    scores = {"rmse": 1.0}
    result = EstimateResult(
        family=model.name,
        model=model,
        params=model.params(),
        metrics={"validation": scores, "test": scores},
        fit_seconds=0.0,
        predict_us_per_row=1.0,
        model_size_bytes=1,
        feature_columns=tuple(ESTIMATE_FEATURES),
        device="cpu",
    )
    return champion.write_bundle(result, root, data_version="bench", code_version="bench")


def _old_way(folder: Path) -> str:
    code = f"from energy_assets.domain.training import champion; champion.load_bundle({str(folder)!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    if done.returncode < 0:
        return f"crashed ({signal.Signals(-done.returncode).name})"
    return "loaded" if done.returncode == 0 else "exception"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bundle-faults-"))
    try:
        pristine = _bundle(work / "pristine")
        data = (pristine / champion.MODEL_DIR / LIGHTGBM_FILE).read_bytes()
        rows = []
        for k in range(1, CUTS + 1):
            cut = len(data) * k // (CUTS + 1)
            root = work / f"cut{k}"
            folder = root / "estimate"
            shutil.copytree(pristine, folder)
            (folder / champion.MODEL_DIR / LIGHTGBM_FILE).write_bytes(data[:cut])
            manifest.write_manifest(folder)  # matches the cut file
            before = _old_way(folder)
            registry = ModelRegistry(root)
            outcome = registry.refresh()["estimate"]
            code = registry.status()["estimate"]["refused_code"]
            rows.append((k, cut, before, f"refused ({code})" if code else outcome))
        print(f"| cut | bytes kept of {len(data)} | loading it in the worker (before) | the registry now |")
        print("|---|---|---|---|")
        for k, cut, before, after in rows:
            print(f"| {k} | {cut} | {before} | {after} |")
        crashed = sum(r[2].startswith("crashed") for r in rows)
        refused = sum(r[3].startswith("refused") for r in rows)
        print(
            f"\nbefore: {crashed} of {CUTS} cuts crash the loading process; now: {refused} of {CUTS} refused, "
            "this process alive"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
