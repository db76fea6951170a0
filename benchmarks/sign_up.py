"""Sign-up must not tell who has an account, by its page or by its time: 20 sign-ups with new addresses and 20 with
taken ones, interleaved, through Django's full request stack with the production password hasher.

    .venv/bin/python -m benchmarks.sign_up
"""

from __future__ import annotations

import statistics
import time
import uuid

from benchmarks.common import runs_text, setup_django, table

TRIES = 20


def main() -> None:
    setup_django()
    from django.contrib.auth.hashers import make_password
    from django.test import Client, override_settings
    from django.urls import reverse

    from applicants.models import User

    run = uuid.uuid4().hex[:8]
    form = {
        "password1": "Lahore-Breeze-2026",
        "password2": "Lahore-Breeze-2026",
        "language": "en",
        "full_name": "Sara Malik",
        "cnic": "35202-7654321-1",
        "mobile": "0300 7654321",
        "city": "Lahore",
    }
    taken = f"taken-{run}@example.pk"
    User.objects.create_user(email=taken, password="Lahore-Breeze-2026")
    client = Client()
    url = reverse("applicants:sign_up_freelancer")
    times: dict[str, list[float]] = {"new": [], "taken": []}
    with override_settings(ACCOUNT_RATE_PER_ACCOUNT="1000/minute", ACCOUNT_RATE_PER_ADDRESS="1000/minute"):
        client.post(url, {**form, "email": f"warm-{run}@example.pk"})  # imports and caches, not timed
        for n in range(TRIES):
            for kind, email in (("new", f"new-{run}-{n}@example.pk"), ("taken", taken)):
                started = time.perf_counter()
                response = client.post(url, {**form, "email": email})
                times[kind].append(time.perf_counter() - started)
                assert response.status_code == 200 and b"Check your email" in response.content
    hashing = [_timed(lambda: make_password("Lahore-Breeze-2026")) for _ in range(5)]
    new, existing = statistics.median(times["new"]), statistics.median(times["taken"])
    table(
        f"Sign-up, {TRIES} tries each, interleaved (medians)",
        [
            ("a new email address", f"{new * 1000:7.1f} ms", f"runs: {runs_text([t * 1000 for t in times['new']], 0)}"),
            ("an email that has an account", f"{existing * 1000:7.1f} ms",
             f"runs: {runs_text([t * 1000 for t in times['taken']], 0)}"),
            ("difference", f"{abs(new - existing) * 1000:7.1f} ms", "target < 50 ms"),
            ("reference: hashing one password", f"{statistics.median(hashing) * 1000:7.1f} ms",
             "most of either answer"),
        ],
    )  # fmt: skip


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
