"""Partitions of live operations: one per inbox file, one per forecast day (plant time)."""

import dagster as dg

from energy_assets.domain.data import schema

#: One partition per inbox file; the key is the file name (the inbox sensor adds them).
inbox_files = dg.DynamicPartitionsDefinition(name="inbox_files")

#: The earliest day a forecast may be stored for (the UCI data's year; any later year works).
FORECAST_START_DATE = "2018-01-01"
#: Target days of the day-ahead forecast, plant time. ``end_offset=2``: tomorrow's partition exists
#: today, so the evening run can issue it.
forecast_days = dg.DailyPartitionsDefinition(
    start_date=FORECAST_START_DATE, timezone=schema.PLANT_TIMEZONE, end_offset=2
)
