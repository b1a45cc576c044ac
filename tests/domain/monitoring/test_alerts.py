"""Alerts against real servers on loopback: aiosmtpd for e-mail, an http.server receiver for the webhook."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from energy_assets.domain.monitoring import alerts
from energy_assets.domain.monitoring.episodes import EpisodeTracker


class _Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def webhook_server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.headers["Content-Type"], json.loads(self.rfile.read(length))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def _env(smtp, url: str) -> dict[str, str]:
    controller, _ = smtp
    return {
        alerts.SMTP_HOST_ENV: controller.hostname,
        alerts.SMTP_PORT_ENV: str(controller.port),
        alerts.FROM_ENV: "copilot@plant.test",
        alerts.TO_ENV: "energy@plant.test, shift@plant.test",
        alerts.WEBHOOK_URL_ENV: url,
    }


ALERT = alerts.Alert(
    kind="drift",
    subject="drift detected",
    body="PSI of usage_kwh 0.41 > 0.25",
    episode="drift-episode-7",
    details={"max_psi": 0.41},
)


def test_no_configuration_means_no_channel():
    assert alerts.channels_from_env({}) == []
    assert alerts.send_alert(ALERT, []) == {}


def test_bad_webhook_url_is_refused():
    with pytest.raises(ValueError, match="http"):
        alerts.channels_from_env({alerts.WEBHOOK_URL_ENV: "file:///etc/passwd"})


def test_email_and_webhook_are_delivered(smtp_server, webhook_server):
    url, received = webhook_server
    channels = alerts.channels_from_env(_env(smtp_server, url))
    assert [c.name for c in channels] == ["email", "webhook"]
    assert alerts.send_alert(ALERT, channels) == {"email": "sent", "webhook": "sent"}
    ((sender, recipients, message),) = smtp_server[1].messages
    assert sender == "copilot@plant.test"
    assert recipients == ["energy@plant.test", "shift@plant.test"]
    assert message["Subject"] == "[energy-copilot] drift detected"
    assert message["X-Energy-Episode"] == "drift-episode-7"
    assert "PSI of usage_kwh 0.41" in message.get_payload()
    ((content_type, payload),) = received
    assert content_type == "application/json"
    assert payload["kind"] == "drift" and payload["episode"] == "drift-episode-7"
    assert payload["details"] == {"max_psi": 0.41}


def test_a_dead_channel_does_not_silence_the_other(webhook_server):
    url, received = webhook_server
    env = {
        alerts.SMTP_HOST_ENV: "127.0.0.1",
        alerts.SMTP_PORT_ENV: str(_free_port()),  # nothing listens there
        alerts.TO_ENV: "energy@plant.test",
        alerts.WEBHOOK_URL_ENV: url,
    }
    outcome = alerts.send_alert(ALERT, alerts.channels_from_env(env))
    assert outcome["email"].startswith("failed:")
    assert outcome["webhook"] == "sent"
    assert len(received) == 1


def test_episode_tracker_alerts_once_per_episode():
    tracker = EpisodeTracker()
    events = [("drift", False), ("drift", True), ("drift", True), ("drift", False), ("drift", True)]
    opened = [tracker.observe(key, bad, f"e{i}") for i, (key, bad) in enumerate(events)]
    assert opened == [None, "e1", None, None, "e4"]
    again = EpisodeTracker.from_json(tracker.to_json())
    assert again.observe("drift", True, "e5") is None  # still inside e4 after a round trip
    assert again.observe("job_a", True, "f1") == "f1"  # keys are independent
