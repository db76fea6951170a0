"""`make run`: the portal in production's shape on embedded defaults.

The embedded PostgreSQL and a broker of message files, the database migrated and seeded with the demo accounts,
then gunicorn, a Celery worker and Celery beat (the Procfile, run by honcho) until Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What manage.py needs to run as README prints it, with no variables set: the development settings.
LOCAL_ENV = "# Written by `make run`: the quick start's settings. Delete it to start again from defaults.\nDEBUG=1\n"


def main() -> int:
    env_file = Path(os.environ.get("PORTAL_ENV_FILE", ROOT / ".env"))
    if not env_file.exists():
        env_file.write_text(LOCAL_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registration_portal.settings")
    os.environ.setdefault("DEBUG", "1")
    import django
    from django.core.management import call_command

    django.setup()  # starts the embedded PostgreSQL, which this process holds until the end
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_ip_allocations", str(ROOT / "vpn_records/data/delegated-apnic-extended-sample.txt"), verbosity=0)
    call_command("seed_demo")
    port = os.environ.get("PORTAL_PORT", "8000")
    print(f"Portal at http://127.0.0.1:{port}  (staff admin at http://127.0.0.1:{port}/admin/); Ctrl-C stops it all")
    sys.stdout.flush()
    from django.db import connections

    connections.close_all()
    environment = {**os.environ, "PYTHON": sys.executable, "PORTAL_PORT": port}
    command = [sys.executable, "-m", "honcho", "-f", str(ROOT / "Procfile"), "start"]
    honcho = subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603 - our own interpreter and Procfile
    try:
        return honcho.wait()
    except KeyboardInterrupt:  # the terminal sent SIGINT to honcho too; it stops its processes
        return honcho.wait()
    finally:
        if "DATABASE_URL" not in os.environ:
            _outlive_the_others()


def _outlive_the_others(patience: float = 20.0) -> None:
    """Wait for the processes honcho stopped (a pool's children may exit a moment after it returns), striking each
    from the server's users as it goes, so that this process exits last and its exit stops the server."""
    from registration_portal.embedded_postgres import forget_exited_processes

    deadline = time.monotonic() + patience
    while set(forget_exited_processes(ROOT)) - {os.getpid()} and time.monotonic() < deadline:
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
