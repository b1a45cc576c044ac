"""The analysts' side of the DuckDB warehouse: the tariff price table and the SQL views.

Views are plain SQL over the tables the pipeline writes (``plant_readings``: every cleaned reading,
the base export and what came in through the inbox; ``steel_features``; ``tariff_prices``), which are
themselves views over Parquet files (:mod:`energy_assets.domain.data.store`), so they stay current
after every materialization.
"""

from __future__ import annotations

import pandas as pd

from energy_assets.domain import calendar, features, tariff
from energy_assets.domain.data import schema

_TS, _KWH = schema.TIMESTAMP, schema.USAGE_KWH
_PERIOD, _SEASON = features.TARIFF_PERIOD, features.SEASON


def tariff_price_table(tf: tariff.Tariff) -> pd.DataFrame:
    """One row per season x tariff period with its KRW/kWh price and the emission factor."""
    rows = [
        {
            "season": season,
            "tariff_period": period,
            "krw_per_kwh": getattr(getattr(tf.prices_krw_per_kwh, season), period),
            "tco2_per_kwh": tf.emission_factor_t_per_kwh,
        }
        for season in calendar.SEASONS
        for period in tariff.TARIFF_PERIODS
    ]
    return pd.DataFrame(rows)


# The interval's day is that of its start (timestamp - 15 min), as everywhere in the project.
_DAY = f"CAST({_TS} - INTERVAL 15 MINUTE AS DATE)"

VIEWS: dict[str, str] = {
    "daily_energy_by_tariff_period": f"""
        SELECT {_DAY} AS day, f.{_PERIOD} AS tariff_period,
               round(sum(f.{_KWH}), 2) AS usage_kwh,
               round(sum(f.{_KWH} * p.krw_per_kwh), 0) AS cost_krw,
               round(sum(f.{_KWH} * p.tco2_per_kwh), 4) AS co2_t,
               count(*) AS intervals
        FROM main.steel_features f
        JOIN main.tariff_prices p ON p.season = f.{_SEASON} AND p.tariff_period = f.{_PERIOD}
        GROUP BY ALL ORDER BY day, tariff_period""",
    "monthly_peaks": f"""
        SELECT month, {_TS} AS peak_timestamp, {_KWH} AS peak_usage_kwh, {schema.LOAD_TYPE} AS load_type,
               total_usage_kwh
        FROM (
            SELECT date_trunc('month', {_TS} - INTERVAL 15 MINUTE) AS month, {_TS}, {_KWH}, {schema.LOAD_TYPE},
                   round(sum({_KWH}) OVER (PARTITION BY date_trunc('month', {_TS} - INTERVAL 15 MINUTE)), 2)
                       AS total_usage_kwh,
                   row_number() OVER (PARTITION BY date_trunc('month', {_TS} - INTERVAL 15 MINUTE)
                                      ORDER BY {_KWH} DESC, {_TS}) AS rank
            FROM main.plant_readings)
        WHERE rank = 1 ORDER BY month""",
    "power_factor_summary": f"""
        SELECT date_trunc('month', {_TS} - INTERVAL 15 MINUTE) AS month, {schema.LOAD_TYPE} AS load_type,
               round(avg({schema.LAGGING_POWER_FACTOR}), 2) AS mean_lagging_power_factor,
               round(avg({schema.LEADING_POWER_FACTOR}), 2) AS mean_leading_power_factor,
               round(100 * sum({_KWH}) / nullif(sqrt(sum({_KWH}) ^ 2 + sum({schema.LAGGING_REACTIVE_KVARH}) ^ 2), 0), 2)
                   AS energy_weighted_lagging_power_factor,
               round(avg(CASE WHEN {schema.LAGGING_POWER_FACTOR} < 90 THEN 1 ELSE 0 END) * 100, 1)
                   AS pct_intervals_lagging_below_90,
               round(sum({schema.LAGGING_REACTIVE_KVARH}), 2) AS lagging_reactive_kvarh
        FROM main.plant_readings
        GROUP BY ALL ORDER BY month, load_type""",
}

EXAMPLE_QUERY = """SELECT tariff_period, round(sum(usage_kwh)) AS kwh, round(sum(cost_krw)) AS krw
FROM daily_energy_by_tariff_period
WHERE day BETWEEN DATE '2018-07-01' AND DATE '2018-07-31'
GROUP BY tariff_period ORDER BY krw DESC;"""
