"""The SIM-ownership backends against a local fake operator service: every answer, and every way of not answering."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vpn_records.sim_ownership import (
    HttpBackend,
    ManualBackend,
    Ownership,
    SimOwnershipUnavailable,
    get_sim_ownership_backend,
)

ASKED = {"msisdn": "+923001234567", "cnic": "3520212345673", "operator": "jazz"}


class FakeOperator:
    """Answers each POST as `reply` says: (status, body, delay in seconds); keeps what it was asked."""

    def __init__(self):
        self.reply: tuple[int, bytes, float] = (200, b"{}", 0)
        self.asked: list[tuple[dict, str | None]] = []


@pytest.fixture
def operator(settings):
    fake = FakeOperator()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            fake.asked.append(
                (json.loads(self.rfile.read(int(self.headers["Content-Length"]))), self.headers.get("Authorization"))
            )
            status, body, delay = fake.reply
            time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SIM_OWNERSHIP_BACKEND = "vpn_records.sim_ownership.HttpBackend"
    settings.SIM_OWNERSHIP_URL = f"http://127.0.0.1:{server.server_port}/sim-ownership"
    settings.SIM_OWNERSHIP_TOKEN, settings.SIM_OWNERSHIP_TIMEOUT = "operator-secret", 0.5
    yield fake
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("answer", "ownership"),
    [({"active": True, "registered_to_cnic": True}, Ownership.CONFIRMED),
     ({"active": True, "registered_to_cnic": False}, Ownership.NOT_OWNER),
     ({"active": False, "registered_to_cnic": False}, Ownership.UNKNOWN)],
)  # fmt: skip
def test_the_operators_answer_is_read_as_the_contract_says(operator, answer, ownership):
    operator.reply = (200, json.dumps(answer).encode(), 0)
    result = get_sim_ownership_backend().check(**ASKED)
    assert result.ownership == ownership and result.source == "operator"
    assert operator.asked == [(ASKED, "Bearer operator-secret")]


def test_a_number_the_operator_does_not_know_is_unknown(operator):
    operator.reply = (404, b"{}", 0)
    assert HttpBackend().check(**ASKED).ownership == Ownership.UNKNOWN


@pytest.mark.parametrize(
    "reply",
    [(500, b"{}", 0), (503, b"", 0), (200, b"not json", 0), (200, b'{"active": "yes"}', 0), (200, b"[]", 0),
     (200, b'{"active": true, "registered_to_cnic": true}', 1.0)],
    ids=["500", "503", "not json", "wrong types", "not an object", "too slow"],
)  # fmt: skip
def test_no_usable_answer_is_unavailable_never_a_verdict(operator, reply):
    operator.reply = reply
    with pytest.raises(SimOwnershipUnavailable):
        HttpBackend().check(**ASKED)


def test_an_operator_that_cannot_be_reached_is_unavailable(settings):
    settings.SIM_OWNERSHIP_URL, settings.SIM_OWNERSHIP_TIMEOUT = "http://127.0.0.1:9/sim-ownership", 0.5
    with pytest.raises(SimOwnershipUnavailable):
        HttpBackend().check(**ASKED)


def test_by_hand_staff_confirm_it_in_review():
    assert ManualBackend().check(**ASKED).ownership == Ownership.PENDING
    assert isinstance(get_sim_ownership_backend(), ManualBackend)  # the default
