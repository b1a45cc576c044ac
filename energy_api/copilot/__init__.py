"""The copilot: tool-grounded answers in Spanish and English (tools, planners, templates, sessions)."""
