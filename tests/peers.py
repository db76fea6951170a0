"""Real peers on loopback: an SMTP server (aiosmtpd) and an HTTP SMS gateway that can be told to fail."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """Django's SMTP backend pointed at a real SMTP server on 127.0.0.1."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


class Gateway:
    """Answers each POST with the next status of `script` (then 200), and keeps what it accepted."""

    def __init__(self):
        self.script: list[int] = []
        self.accepted: list[dict] = []
        self.requests = 0
        self.authorization: list[str | None] = []


@pytest.fixture
def sms_gateway(settings):
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            gateway.requests += 1
            gateway.authorization.append(self.headers.get("Authorization"))
            status = gateway.script.pop(0) if gateway.script else 200
            if status == 200:
                gateway.accepted.append(body)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "notifications.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD = "portal", "s3cret"
    yield gateway
    server.shutdown()
    server.server_close()


class SimOperator:
    """An operator's SIM-ownership service: answers each POST with the next of `replies` (the last repeats)."""

    def __init__(self):
        self.replies: list[tuple[int, dict]] = [(200, {"active": True, "registered_to_cnic": True})]
        self.asked: list[dict] = []
        self.url = ""


@pytest.fixture
def sim_operator(settings):
    """The HTTP SIM-ownership backend pointed at a fake operator on 127.0.0.1."""
    fake = SimOperator()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            fake.asked.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            status, answer = fake.replies[min(len(fake.asked), len(fake.replies)) - 1]
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(answer).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_port}/sim-ownership"
    settings.SIM_OWNERSHIP_BACKEND = "vpn_records.sim_ownership.HttpBackend"
    settings.SIM_OWNERSHIP_URL, settings.SIM_OWNERSHIP_TIMEOUT = fake.url, 0.5
    yield fake
    server.shutdown()
    server.server_close()
