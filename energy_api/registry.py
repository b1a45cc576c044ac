"""The champion models the service answers with, swapped atomically when a newer bundle lands.

A :class:`ModelRegistry` holds one :class:`LoadedBundle` per task. :meth:`ModelRegistry.refresh` reads
``<root>/<task>/bundle.json`` and ``manifest.json`` (cheap), and only when the bundle is newer than
the served one (created_at, then manifest digest) checks and loads it *off to the side*: a private
snapshot of the folder is verified against its manifest, loaded whole by a child process (a native
crash there costs nothing), then loaded here; the reference is swapped under a lock once that
succeeded. A request holds the reference it read, so it never sees half a model, and a refused
candidate leaves the previous champion serving (the reason is kept for /health and /metrics).

Estimate features come from :mod:`energy_assets.domain.features`, the training code. Its calendar
part costs milliseconds per call in pandas, so it is computed once per year on the full 15-minute
grid (with the same function) and looked up; any model feature outside that fast path falls back
to ``build_features`` itself (tests check both paths agree).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_api.probe import ProbeResult, run_probe
from energy_api.public import public_error
from energy_assets.domain import calendar, features, manifest
from energy_assets.domain.data import schema
from energy_assets.domain.features.history import prepare_history
from energy_assets.domain.models.estimate.base import Features, column
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator
from energy_assets.domain.serving import readings as serving
from energy_assets.domain.tariff import Tariff
from energy_assets.domain.tasks import ESTIMATE, FORECAST, TASKS, TEST, VALIDATION
from energy_assets.domain.training import champion

HISTORY_FILE = champion.HISTORY_FILE
#: The third slot: every cleaned reading, published by the ``serving_readings`` asset.
READINGS = serving.READINGS
_log = logging.getLogger("energy_api.registry")
#: z of a two-sided 90 % normal interval (the forecaster's q10-q90 spread, for comparability).
Z_90 = 1.6448536269514722
INTERVAL_ROUNDING = "power_triangle_rounding_bounds"
INTERVAL_RESIDUALS = "test_residual_quantiles"
INTERVAL_RMSE = "normal_approximation_from_test_rmse"


class ModelNotLoadedError(RuntimeError):
    """A request needs a task whose champion is not loaded (answered with 503)."""


@dataclass(frozen=True)
class LoadedBundle:
    """A bundle ready to serve, plus what the API reports about it."""

    bundle: champion.Bundle
    created_at: str
    loaded_at: str
    history: pd.DataFrame | None = None

    @property
    def task(self) -> str:
        return self.bundle.task

    @property
    def family(self) -> str:
        return self.bundle.family

    @property
    def metadata(self) -> dict[str, Any]:
        return self.bundle.metadata

    @property
    def model_version(self) -> str:
        return f"{self.family}@{self.created_at}"

    @property
    def data_version(self) -> str | None:
        return self.metadata.get("data_version")

    def info(self) -> dict[str, Any]:
        meta = self.metadata
        return {
            "task": self.task,
            "family": self.family,
            "model_version": self.model_version,
            "created_at": self.created_at,
            "loaded_at": self.loaded_at,
            "data_version": self.data_version,
            "code_version": meta.get("code_version"),
            "feature_columns": list(self.bundle.feature_columns),
            "quantiles": meta.get("quantiles"),
            "intraday": meta.get("intraday"),
            "history_rows": None if self.history is None else len(self.history),
            "history_end": None if self.history is None else str(self.history[schema.TIMESTAMP].max()),
            "bundle": self.task,
        }


def _created_at(card: dict[str, Any]) -> datetime:
    stamp = datetime.fromisoformat(str(card.get("created_at", "1970-01-01T00:00:00+00:00")))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def read_history(path: Path) -> pd.DataFrame:
    """A cleaned-schema table (parquet or CSV) sorted by timestamp."""
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    missing = [c for c in (schema.TIMESTAMP, schema.USAGE_KWH, schema.LOAD_TYPE) if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name} lacks the cleaned columns {missing}")
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
    return frame.sort_values(schema.TIMESTAMP, kind="stable").reset_index(drop=True)


def load(folder: Path, forecast_threads: int | None = None) -> LoadedBundle:
    """Load a bundle completely (model and, for forecasts, its history) before anyone sees it."""
    bundle = champion.load_bundle(folder)
    if forecast_threads is not None and bundle.task == FORECAST:
        bundle.model.set_prediction_threads(forecast_threads)
    history = None
    if (folder / HISTORY_FILE).is_file():
        history = read_history(folder / HISTORY_FILE)
        prepare_history(history)  # searched by every forecast until the next load: prepared once
    return LoadedBundle(
        bundle=bundle,
        created_at=str(bundle.metadata.get("created_at")),
        loaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        history=history,
    )


@dataclass(frozen=True)
class LoadedReadings:
    """The serving readings (read whole into memory, file closed) and their manifest."""

    frame: pd.DataFrame
    manifest: dict[str, Any]
    path: Path
    loaded_at: str

    task = READINGS

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at"))

    @property
    def model_version(self) -> str:
        return f"readings@{self.created_at}"

    @property
    def data_version(self) -> str | None:
        return self.manifest.get("data_version")

    def info(self) -> dict[str, Any]:
        return {
            "task": READINGS,
            "model_version": self.model_version,
            "created_at": self.created_at,
            "loaded_at": self.loaded_at,
            "data_version": self.data_version,
            "rows": self.manifest.get("rows"),
            "first_day": self.manifest.get("first_day"),
            "last_day": self.manifest.get("last_day"),
            "first_timestamp": self.manifest.get("first_timestamp"),
            "last_timestamp": self.manifest.get("last_timestamp"),
        }


def load_served_readings(folder: Path) -> LoadedReadings:
    """Read and check the serving readings completely (against their manifest) before anyone sees them."""
    frame, served = serving.load_readings(folder)
    prepare_history(frame)  # searched by every forecast until the next load: prepared once
    return LoadedReadings(
        frame=frame,
        manifest=served,
        path=folder / serving.READINGS_FILE,
        loaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _newer(new: tuple[datetime, str | None], old: tuple[datetime, str | None]) -> bool:
    return new[0] > old[0] or (new[0] == old[0] and new[1] != old[1])


def _signature(folder: Path) -> tuple[datetime, str | None]:
    """What identifies a bundle's content, cheaply: its created_at and the SHA-256 of its manifest
    (None when it has none: such a bundle is refused when checked)."""
    card = champion.read_bundle_card(folder)
    try:
        digest = manifest.manifest_digest(folder)
    except OSError:
        digest = None
    return _created_at(card), digest


@dataclass(frozen=True)
class Refusal:
    """Why a candidate bundle was not loaded; the previous champion (if any) keeps serving.

    ``code`` is a short token for metrics labels; ``reason`` names files relative to the bundle.
    """

    code: str
    reason: str
    at: str
    signature: tuple[datetime, str | None] | None = None


class CandidateRefused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class _Slot:
    current: LoadedBundle | None = None
    created_at: tuple[datetime, str | None] | None = None
    refusal: Refusal | None = None
    last_checked: str | None = None

    @property
    def last_error(self) -> str | None:
        return None if self.refusal is None else self.refusal.reason


Prober = Callable[[Path, str], ProbeResult]


@dataclass
class ModelRegistry:
    """Champion per task under ``root`` (``<root>/estimate``, ``<root>/forecast``).

    A candidate is trusted in three steps, each of which refuses it with a reason: its folder is
    copied to a private snapshot (so the bytes checked are the bytes loaded, whatever happens to the
    folder meanwhile); the snapshot must match its manifest (:func:`champion.verify_bundle`); and a
    child process must load it whole (:mod:`energy_api.probe`, cached per manifest digest through
    ``probe``). Only then does this process load it, and swap it in.
    """

    root: Path
    on_change: Callable[[str, LoadedBundle], None] | None = None
    on_refuse: Callable[[str, Refusal], None] | None = None
    forecast_threads: int | None = None
    probe: Prober | None = None
    _slots: dict[str, _Slot] = field(default_factory=lambda: {t: _Slot() for t in TASKS})
    #: the third slot: every cleaned reading (``<root>/readings``), optional
    _readings: _Slot = field(default_factory=_Slot)
    _swap_lock: threading.Lock = field(default_factory=threading.Lock)
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, task: str) -> LoadedBundle:
        """The served bundle of ``task``; :class:`ModelNotLoadedError` when there is none."""
        slot = self._slots[task]
        current = slot.current
        if current is None:
            detail = slot.last_error or f"no {task} bundle in the champion folder"
            raise ModelNotLoadedError(f"the {task} champion is not loaded: {detail}")
        return current

    def peek(self, task: str) -> LoadedBundle | None:
        return self._slots[task].current

    def readings(self) -> LoadedReadings | None:
        """The serving readings, or None when none are published (callers fall back)."""
        return self._readings.current  # type: ignore[return-value]

    def refresh(self, force: bool = False) -> dict[str, str]:
        """Load every task whose bundle is newer than the served one; report what happened.

        ``force`` reloads even an unchanged bundle. Outcomes: ``loaded``, ``unchanged``, ``missing``,
        ``failed: <why>`` (the candidate is refused and the previous model keeps serving). A refused
        candidate is not checked again until its files change (or ``force``).
        """
        report: dict[str, str] = {}
        with self._refresh_lock:  # one loader at a time; readers never wait on it
            for task in TASKS:
                report[task] = self._refresh_task(task, force)
            report[READINGS] = self._refresh_readings(force)
        return report

    def _refresh_readings(self, force: bool) -> str:
        """Load the serving readings when their manifest changed; a bad publication keeps the
        previous readings serving (the reason is kept for /health)."""
        slot = self._readings
        folder = serving.readings_folder(self.root)
        slot.last_checked = datetime.now(UTC).isoformat(timespec="seconds")
        if not (folder / manifest.MANIFEST_FILE).is_file():
            return "missing"
        try:
            served = serving.read_manifest(folder)
            stamp = (_created_at(served), manifest.manifest_digest(folder))
        except (manifest.ManifestError, OSError, ValueError) as exc:
            return self._refuse(slot, READINGS, "manifest_unreadable", public_error(exc, folder))
        if not force and slot.created_at is not None and stamp == slot.created_at:
            return "unchanged"
        if not force and slot.refusal is not None and slot.refusal.signature == stamp:
            return f"failed: {slot.refusal.reason}"
        try:
            loaded = load_served_readings(folder)
        except manifest.ManifestError as exc:
            return self._refuse(slot, READINGS, exc.code, str(exc), stamp)
        except Exception as exc:
            _log.exception("loading the serving readings failed")
            return self._refuse(slot, READINGS, "load_failed", public_error(exc, folder), stamp)
        with self._swap_lock:
            slot.current, slot.created_at, slot.refusal = loaded, stamp, None
        if self.on_change is not None:
            self.on_change(READINGS, loaded)
        return "loaded"

    def _refuse(self, slot: _Slot, task: str, code: str, reason: str, signature: Any = None) -> str:
        slot.refusal = Refusal(code, reason, datetime.now(UTC).isoformat(timespec="seconds"), signature)
        _log.warning("refused the %s candidate in %s: %s (%s)", task, self.root / task, reason, code)
        if self.on_refuse is not None:
            self.on_refuse(task, slot.refusal)
        return f"failed: {reason}"

    def _refresh_task(self, task: str, force: bool) -> str:
        slot = self._slots[task]
        folder = champion.bundle_folder(self.root, task)
        slot.last_checked = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            if not folder.is_dir() or not any(folder.iterdir()):
                return "missing"
            stamp = _signature(folder)
        except (champion.BundleError, OSError) as exc:
            return self._refuse(slot, task, "bundle_unreadable", public_error(exc, folder))
        if not force and slot.created_at is not None and not _newer(stamp, slot.created_at):
            return "unchanged"
        if not force and slot.refusal is not None and slot.refusal.signature == stamp:
            return f"failed: {slot.refusal.reason}"
        try:
            loaded, stamp = self._load_candidate(folder, task)
        except CandidateRefused as refused:
            return self._refuse(slot, task, refused.code, refused.reason, stamp)
        except Exception as exc:  # a check that fails unexpectedly refuses too; serving goes on
            _log.exception("checking the %s candidate failed", task)
            return self._refuse(slot, task, "check_failed", public_error(exc, folder), stamp)
        with self._swap_lock:
            slot.current, slot.created_at, slot.refusal = loaded, stamp, None
        if self.on_change is not None:
            self.on_change(task, loaded)
        return "loaded"

    def _load_candidate(self, folder: Path, task: str) -> tuple[LoadedBundle, tuple[datetime, str | None]]:
        """Snapshot, verify, probe in a child, then load here; :class:`CandidateRefused` on any failure."""
        snapshot = Path(tempfile.mkdtemp(prefix=f"energy-{task}-candidate-"))
        try:
            copy = snapshot / task
            try:
                shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(".*"))
            except (OSError, shutil.Error) as exc:
                raise CandidateRefused(
                    "bundle_unreadable", f"the bundle could not be read ({type(exc).__name__})"
                ) from None
            try:
                card = champion.verify_bundle(copy)
            except manifest.ManifestError as exc:
                raise CandidateRefused(exc.code, str(exc)) from None
            except champion.BundleError as exc:
                raise CandidateRefused("bundle_unreadable", public_error(exc, copy)) from None
            if card["task"] != task:
                raise CandidateRefused("wrong_task", f"the {task} folder holds a {card['task']!r} bundle")
            digest = manifest.manifest_digest(copy)
            result = (self.probe or default_probe)(copy, f"{task}-{digest[:16]}")
            if not result.ok:
                raise CandidateRefused(result.code, result.reason)
            try:
                loaded = load(copy, self.forecast_threads)
            except Exception as exc:  # the child loaded it; this process must not serve half a bundle
                _log.exception("loading the %s candidate failed after its probe passed", task)
                raise CandidateRefused("load_failed", public_error(exc, copy)) from None
            return loaded, (_created_at(card), digest)
        finally:
            shutil.rmtree(snapshot, ignore_errors=True)

    def status(self) -> dict[str, Any]:
        return {
            task: {
                "loaded": slot.current is not None,
                "model_version": None if slot.current is None else slot.current.model_version,
                "last_error": slot.last_error,
                "refused_code": None if slot.refusal is None else slot.refusal.code,
                "last_checked": slot.last_checked,
            }
            for task, slot in self._slots.items()
        }

    def readings_status(self) -> dict[str, Any]:
        """The serving readings' slot (optional: without it the forecast bundle's history serves)."""
        slot = self._readings
        return {
            "loaded": slot.current is not None,
            "model_version": None if slot.current is None else slot.current.model_version,
            "last_error": slot.last_error,
            "refused_code": None if slot.refusal is None else slot.refusal.code,
            "last_checked": slot.last_checked,
        }

    def versions(self) -> dict[str, str | None]:
        return {
            task: None if s.current is None else s.current.model_version for task, s in self._slots.items()
        }


def default_probe(folder: Path, key: str) -> ProbeResult:
    """Probe ``folder`` in a child process (no cache: one process, one probe per candidate)."""
    return run_probe(folder)


# --- estimate inference ---------------------------------------------------------------------------
class CalendarTable:
    """Calendar features of every 15-minute interval of a year, computed by the training code.

    Keeps the last few years; a lookup of a grid timestamp costs a reindex instead of the pandas
    work of ``features.calendar_features`` on each request.
    """

    def __init__(self, tariff: Tariff, max_years: int = 4) -> None:
        self.tariff = tariff
        self.max_years = max_years
        self._years: OrderedDict[int, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def _year(self, year: int) -> pd.DataFrame:
        with self._lock:
            table = self._years.get(year)
            if table is not None:
                self._years.move_to_end(year)
                return table
        start = pd.Timestamp(year=year, month=1, day=1) + schema.INTERVAL
        stamps = pd.Series(
            pd.date_range(start, pd.Timestamp(year=year + 1, month=1, day=1), freq=schema.INTERVAL)
        )
        cal = features.calendar_features(stamps, tariff=self.tariff)
        nsm = calendar.calendar_from_timestamp(stamps)
        table = pd.concat([cal, nsm], axis=1)
        table[schema.NSM] = table[schema.NSM].astype("int64")
        table.index = pd.DatetimeIndex(stamps)
        with self._lock:
            self._years[year] = table
            while len(self._years) > self.max_years:
                self._years.popitem(last=False)
        return table

    def lookup(self, timestamps: pd.Series, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows for interval-end ``timestamps`` on the 15-minute grid (index kept)."""
        stamps = pd.DatetimeIndex(timestamps)
        years = calendar.interval_start_index(stamps).year
        first = self._year(int(years[0]))
        names = list(first.columns) if columns is None else columns
        if (years == years[0]).all():
            pos = first.index.get_indexer(stamps)
            if (pos >= 0).all():
                return pd.DataFrame({c: first[c].to_numpy()[pos] for c in names}, index=timestamps.index)
        parts = []
        for year in np.unique(years):
            sel = years == year
            part = self._year(int(year)).reindex(stamps[sel])[names]
            part.index = timestamps.index[sel]
            parts.append(part)
        return pd.concat(parts).loc[timestamps.index]


FAST_COLUMNS: frozenset[str] = frozenset(
    (
        *features.READING_FEATURES,
        *features.TRIANGLE_FEATURES,
        *features.CALENDAR_FEATURES,
        schema.NSM,
    )
)


_TABLE_COLUMNS: frozenset[str] = frozenset(
    (*(c for c in features.CALENDAR_FEATURES if c != features.LOAD_TYPE_CODE), schema.NSM)
)


def _as_frame(rows: Features) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(dict(rows))


def readings_frame(rows: Features, calendar_table: CalendarTable) -> pd.DataFrame:
    """Cleaned-schema rows from request readings (usage unknown) with nsm/day/week status filled."""
    rows = _as_frame(rows)
    cal = calendar_table.lookup(rows[schema.TIMESTAMP], [schema.NSM, schema.DAY_OF_WEEK, schema.WEEK_STATUS])
    frame = rows.copy()
    frame[schema.USAGE_KWH] = np.nan
    for name in (schema.NSM, schema.DAY_OF_WEEK, schema.WEEK_STATUS):
        frame[name] = cal[name].to_numpy()
    return frame[list(schema.CLEAN_COLUMNS)]


def estimate_features(
    rows: Features, wanted: list[str], calendar_table: CalendarTable, *, as_frame: bool = True
) -> Features:
    """The model's feature columns for request rows (cleaned schema minus usage_kwh).

    ``rows`` is a frame or named arrays. Only the groups the model reads are computed (the physics
    champion reads readings only). ``as_frame=False`` returns named arrays on the fast path, which
    every estimator accepts, and saves building a DataFrame for a single reading.
    """
    need = set(wanted)
    if not need <= FAST_COLUMNS:
        clean = readings_frame(rows, calendar_table)
        return features.build_features(clean, tariff=calendar_table.tariff)[wanted]
    columns: dict[str, np.ndarray] = {c: column(rows, c) for c in features.READING_FEATURES if c in need}
    if need & set(features.TRIANGLE_FEATURES):
        tri = features.triangle_features(_as_frame(rows))
        columns.update({c: tri[c].to_numpy() for c in features.TRIANGLE_FEATURES if c in need})
    calendar_columns = [c for c in wanted if c in _TABLE_COLUMNS]
    if calendar_columns:
        cal = calendar_table.lookup(pd.Series(rows[schema.TIMESTAMP]), calendar_columns)
        columns.update({c: cal[c].to_numpy() for c in calendar_columns})
    if features.LOAD_TYPE_CODE in need:
        codes = features.load_type_code_column(pd.Series(rows[schema.LOAD_TYPE]))
        columns[features.LOAD_TYPE_CODE] = codes.to_numpy()
    if not as_frame:
        return {c: columns[c] for c in wanted}
    index = rows.index if isinstance(rows, pd.DataFrame) else None
    return pd.DataFrame(columns, index=index)[wanted]


def estimate(loaded: LoadedBundle, X: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """The champion's kWh estimates (clipped at 0), [low, high] around each and how it was derived
    (stated in the response).

    Physics champion: the kWh range consistent with the two-decimal rounding of every reading, from
    the same pass as the estimate. Other families (and physics rows the readings do not bound): the
    champion's test residual quantiles when the bundle stores them, else a 90 % normal band from its
    test (or validation) RMSE.
    """
    model = loaded.bundle.model
    if isinstance(model, PowerTriangleEstimator):
        point, lo, hi = model.predict_with_bounds(X)
        point = np.clip(point, 0.0, None)
        if ((lo <= hi) & np.isfinite(hi)).all():
            return point, lo, hi, INTERVAL_ROUNDING
    else:
        point = np.clip(model.predict(X), 0.0, None)
    return (point, *_interval_from_scores(loaded, point))


def _interval_from_scores(loaded: LoadedBundle, point: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    metrics = loaded.metadata.get("metrics") or {}
    residuals = metrics.get("test_residual_quantiles") or (metrics.get(TEST) or {}).get("residual_quantiles")
    if isinstance(residuals, dict) and {"q05", "q95"} <= set(residuals):
        lo = np.clip(point + float(residuals["q05"]), 0.0, None)
        return lo, point + float(residuals["q95"]), INTERVAL_RESIDUALS
    scores = metrics.get(TEST) or metrics.get(VALIDATION) or {}
    rmse = scores.get("rmse")
    if rmse is None:
        raise ModelNotLoadedError("the estimate bundle stores no test or validation RMSE to size an interval")
    half = Z_90 * float(rmse)
    return np.clip(point - half, 0.0, None), point + half, INTERVAL_RMSE


__all__ = [
    "ESTIMATE",
    "FORECAST",
    "CalendarTable",
    "LoadedBundle",
    "ModelNotLoadedError",
    "ModelRegistry",
    "estimate",
    "estimate_features",
    "readings_frame",
]
