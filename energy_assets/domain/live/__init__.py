"""Live operations: readings in through the inbox, one cleaned history, forecasts out and scored."""
