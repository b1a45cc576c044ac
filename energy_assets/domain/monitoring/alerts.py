"""Alerts: tell a person when drift opens an episode or a run fails, by e-mail and/or a JSON webhook.

Configuration comes only from the environment, so no address or secret lives in the repository:
``ENERGY_ALERT_SMTP_HOST``, ``ENERGY_ALERT_SMTP_PORT`` (default 25), ``ENERGY_ALERT_FROM``,
``ENERGY_ALERT_TO`` (comma-separated), optional ``ENERGY_ALERT_SMTP_USER``/``ENERGY_ALERT_SMTP_PASSWORD``
and ``ENERGY_ALERT_SMTP_STARTTLS=1``; ``ENERGY_ALERT_WEBHOOK_URL`` for the webhook. With nothing set,
no channel is configured and :func:`send_alert` sends nothing (and says so).

Deduplication is per episode (:class:`energy_assets.domain.monitoring.episodes.EpisodeTracker`): one
drift episode or one failing job sends one alert, not one per sensor tick.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

SMTP_HOST_ENV = "ENERGY_ALERT_SMTP_HOST"
SMTP_PORT_ENV = "ENERGY_ALERT_SMTP_PORT"
FROM_ENV = "ENERGY_ALERT_FROM"
TO_ENV = "ENERGY_ALERT_TO"
SMTP_USER_ENV = "ENERGY_ALERT_SMTP_USER"
SMTP_PASSWORD_ENV = "ENERGY_ALERT_SMTP_PASSWORD"
SMTP_STARTTLS_ENV = "ENERGY_ALERT_SMTP_STARTTLS"
WEBHOOK_URL_ENV = "ENERGY_ALERT_WEBHOOK_URL"
DEFAULT_SMTP_PORT = 25
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Alert:
    """What happened (``kind``: drift / run_failure), a one-line subject, details, and its episode id."""

    kind: str
    subject: str
    body: str
    episode: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "source": "energy-copilot",
            "kind": self.kind,
            "subject": self.subject,
            "body": self.body,
            "episode": self.episode,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class SmtpChannel:
    """Plain SMTP (optionally STARTTLS + login): what every plant mail relay speaks."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    name = "email"

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = f"[energy-copilot] {alert.subject}"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["X-Energy-Episode"] = alert.episode
        details = json.dumps(dict(alert.details), indent=1, sort_keys=True, default=str)
        message.set_content(f"{alert.body}\n\nepisode: {alert.episode}\n\n{details}\n")
        with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


@dataclass(frozen=True)
class WebhookChannel:
    """POST the alert as JSON (Slack/Teams/PagerDuty bridges and custom receivers all accept this)."""

    url: str

    name = "webhook"

    def send(self, alert: Alert) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(alert.payload(), default=str).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            if response.status >= 300:
                raise OSError(f"webhook answered HTTP {response.status}")


Channel = SmtpChannel | WebhookChannel


def channels_from_env(env: Mapping[str, str] | None = None) -> list[Channel]:
    """The channels the environment configures (none, e-mail, webhook or both)."""
    env = os.environ if env is None else env
    out: list[Channel] = []
    host = env.get(SMTP_HOST_ENV, "").strip()
    recipients = tuple(r.strip() for r in env.get(TO_ENV, "").split(",") if r.strip())
    if host and recipients:
        sender = env.get(FROM_ENV, "").strip() or "energy-copilot@localhost"
        out.append(
            SmtpChannel(
                host=host,
                port=int(env.get(SMTP_PORT_ENV, DEFAULT_SMTP_PORT)),
                sender=sender,
                recipients=recipients,
                user=env.get(SMTP_USER_ENV) or None,
                password=env.get(SMTP_PASSWORD_ENV) or None,
                starttls=env.get(SMTP_STARTTLS_ENV, "").strip().lower() in {"1", "true", "yes"},
            )
        )
    url = env.get(WEBHOOK_URL_ENV, "").strip()
    if url:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{WEBHOOK_URL_ENV} must be an http(s) URL, not {url!r}")
        out.append(WebhookChannel(url))
    return out


def send_alert(alert: Alert, channels: Sequence[Channel]) -> dict[str, str]:
    """Send through every channel; returns ``{channel: "sent" | "failed: <error>"}``.

    One failing channel does not stop the others: an unreachable mail relay must not swallow the
    webhook. The caller (a sensor) logs the outcome.
    """
    outcome: dict[str, str] = {}
    for channel in channels:
        try:
            channel.send(alert)
            outcome[channel.name] = "sent"
        except (OSError, smtplib.SMTPException) as exc:
            outcome[channel.name] = f"failed: {exc}"
    return outcome


__all__ = [
    "Alert",
    "SmtpChannel",
    "WebhookChannel",
    "channels_from_env",
    "send_alert",
]
