"""Monitoring: the replayed plant feed, the weekly drift report, its schedules and the retrain sensor."""
