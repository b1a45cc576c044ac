"""One source of truth for column names, units, categories and valid ranges.

Training, cleaning, the API and the UI all import these names; nothing else spells a column.
The pandera schema of the cleaned table lives in :mod:`energy_assets.domain.validation` and is
built from the ranges declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# --- raw file (spelled exactly as UCI ships it) -------------------------------------------------
RAW_DATE = "date"
RAW_COLUMNS: tuple[str, ...] = (
    "date",
    "Usage_kWh",
    "Lagging_Current_Reactive.Power_kVarh",
    "Leading_Current_Reactive_Power_kVarh",
    "CO2(tCO2)",
    "Lagging_Current_Power_Factor",
    "Leading_Current_Power_Factor",
    "NSM",
    "WeekStatus",
    "Day_of_week",
    "Load_Type",
)
RAW_DATE_FORMAT = "%d/%m/%Y %H:%M"
#: Date layouts a plant export may mix (the UCI one first): day-first or year-first. A month-first
#: file is read with the day and month swapped in the day-first ones, decided once for the whole
#: file from its values (cleaning.parsing.decide_date_order), never row by row.
ACCEPTED_DATE_FORMATS: tuple[str, ...] = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
)

# --- cleaned table (fixed: other tools depend on it) --------------------------------------------
TIMESTAMP = "timestamp"  # end of the 15-minute interval, naive plant-local time (Asia/Seoul)
USAGE_KWH = "usage_kwh"
LAGGING_REACTIVE_KVARH = "lagging_reactive_kvarh"
LEADING_REACTIVE_KVARH = "leading_reactive_kvarh"
CO2_TCO2 = "co2_tco2"
LAGGING_POWER_FACTOR = "lagging_power_factor"
LEADING_POWER_FACTOR = "leading_power_factor"
NSM = "nsm"
WEEK_STATUS = "week_status"
DAY_OF_WEEK = "day_of_week"
LOAD_TYPE = "load_type"

RAW_TO_CLEAN: dict[str, str] = {
    "date": TIMESTAMP,
    "Usage_kWh": USAGE_KWH,
    "Lagging_Current_Reactive.Power_kVarh": LAGGING_REACTIVE_KVARH,
    "Leading_Current_Reactive_Power_kVarh": LEADING_REACTIVE_KVARH,
    "CO2(tCO2)": CO2_TCO2,
    "Lagging_Current_Power_Factor": LAGGING_POWER_FACTOR,
    "Leading_Current_Power_Factor": LEADING_POWER_FACTOR,
    "NSM": NSM,
    "WeekStatus": WEEK_STATUS,
    "Day_of_week": DAY_OF_WEEK,
    "Load_Type": LOAD_TYPE,
}
CLEAN_TO_RAW: dict[str, str] = {v: k for k, v in RAW_TO_CLEAN.items()}

MEASUREMENT_COLUMNS: tuple[str, ...] = (
    USAGE_KWH,
    LAGGING_REACTIVE_KVARH,
    LEADING_REACTIVE_KVARH,
    CO2_TCO2,
    LAGGING_POWER_FACTOR,
    LEADING_POWER_FACTOR,
)
NUMERIC_COLUMNS: tuple[str, ...] = (*MEASUREMENT_COLUMNS, NSM)
CATEGORICAL_COLUMNS: tuple[str, ...] = (WEEK_STATUS, DAY_OF_WEEK, LOAD_TYPE)
CLEAN_COLUMNS: tuple[str, ...] = (TIMESTAMP, *NUMERIC_COLUMNS, *CATEGORICAL_COLUMNS)

LOAD_TYPES: tuple[str, ...] = ("Light_Load", "Medium_Load", "Maximum_Load")
#: KEPCO billing periods, cheapest first (the ``tariff_period`` column; the index is its code).
TARIFF_PERIODS: tuple[str, ...] = ("light", "medium", "maximum")
WEEK_STATUSES: tuple[str, ...] = ("Weekday", "Weekend")
DAYS_OF_WEEK: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

UNITS: dict[str, str] = {
    USAGE_KWH: "kWh",
    LAGGING_REACTIVE_KVARH: "kVarh",
    LEADING_REACTIVE_KVARH: "kVarh",
    CO2_TCO2: "tCO2",
    LAGGING_POWER_FACTOR: "%",
    LEADING_POWER_FACTOR: "%",
    NSM: "s",
}

#: The readings are stored with two decimals; cleaned values are rounded to it.
MEASUREMENT_DECIMALS = 2
INTERVAL = pd.Timedelta(minutes=15)
INTERVALS_PER_DAY = 96
#: 2018 in the UCI release: 365 days x 96 intervals.
UCI_ROW_COUNT = 35_040
PLANT_TIMEZONE = "Asia/Seoul"


@dataclass(frozen=True)
class Range:
    """Closed physical range of a column; the rule text is what error messages quote."""

    low: float
    high: float

    def rule(self) -> str:
        return f"must be between {self.low:g} and {self.high:g}"


#: Physical ranges. Energies are non-negative; a 15-minute interval of this plant cannot exceed
#: 200 kWh (real max 157.18) or 200 kVarh; CO2 is bounded by 200 kWh at 1 tCO2/MWh; power
#: factors are percentages.
RANGES: dict[str, Range] = {
    USAGE_KWH: Range(0.0, 200.0),
    LAGGING_REACTIVE_KVARH: Range(0.0, 200.0),
    LEADING_REACTIVE_KVARH: Range(0.0, 200.0),
    CO2_TCO2: Range(0.0, 0.2),
    LAGGING_POWER_FACTOR: Range(0.0, 100.0),
    LEADING_POWER_FACTOR: Range(0.0, 100.0),
    NSM: Range(0.0, 85_500.0),
}

#: Default grid emission factor (tCO2 per kWh), consistent with the data (median 0.000461).
DEFAULT_EMISSION_FACTOR_T_PER_KWH = 0.0004594
