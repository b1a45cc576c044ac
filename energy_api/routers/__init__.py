"""One router per resource: service (health, model, metrics, admin), predict, forecast, scenarios, explain."""
