"""What the routers and the copilot share: forecasts, peak explanations, scenarios and queries.

Routers translate HTTP to these calls and back; copilot tools call them directly. Nothing here
imports FastAPI routing or :mod:`energy_api.main`; errors are :mod:`.errors` (and ``ValueError``
for a broken domain rule), which the app maps to 404 / 422.
"""
