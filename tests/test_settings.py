"""Production settings: loud on missing secrets, clean under `check --deploy`, no demo seeding."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-like-secret-with-enough-entropy-%^&*(",
    "ALLOWED_HOSTS": "portal.example.pk",
    "DATABASE_URL": "postgres://unused@127.0.0.1:9/unused",
    "PATH": os.environ["PATH"],
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secret_key_or_hosts(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr
    assert "required when DEBUG is off" in result.stderr


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG=1"):
        call_command("seed_demo")


def test_only_postgresql_is_accepted():
    result = manage("check", env={**PRODUCTION, "DATABASE_URL": "sqlite:////tmp/portal.sqlite3"})
    assert result.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL database" in result.stderr


def test_without_database_url_an_embedded_postgresql_serves():
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = manage(
        "shell", "-c", "from django.db import connection; print(connection.vendor, connection.settings_dict['HOST'],"
        " connection.pg_version // 10000)", env={**env, "DEBUG": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    vendor, host, major = result.stdout.split()[-3:]
    assert (vendor, host, major) == ("postgresql", str(ROOT / ".pgdata"), "18")
