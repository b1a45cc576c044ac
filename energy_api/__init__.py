"""energy-copilot's HTTP API: estimates, forecasts, what-if scenarios and explanations on the champion.

Run it with ``uvicorn energy_api.main:app --host 127.0.0.1 --port 8000``; build one in code with
:func:`energy_api.main.create_app`.
"""
