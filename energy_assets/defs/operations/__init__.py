"""Live operations: the readings inbox, the cleaned history, the day-ahead forecast and its accuracy."""
