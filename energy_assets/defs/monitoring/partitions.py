"""The replayed plant feed is partitioned by plant day (Asia/Seoul) over the held-out test period."""

import dagster as dg

from energy_assets.domain.data import schema

#: First and last complete days of the temporal TEST split of the 2018 UCI year (see
#: energy_assets.domain.monitoring.feed.held_out_days); the end date is exclusive.
FEED_START_DATE = "2018-10-02"
FEED_END_DATE = "2019-01-01"

plant_feed_partitions = dg.DailyPartitionsDefinition(
    start_date=FEED_START_DATE, end_date=FEED_END_DATE, timezone=schema.PLANT_TIMEZONE
)
