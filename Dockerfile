# syntax=docker/dockerfile:1
# The portal image: gunicorn by default; the same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

# PYTHONPATH: import the project from /app (where templates/, static/ and locale/ live, found via BASE_DIR),
# never the copy `pip install .` puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Dependencies first, from pyproject's [project.dependencies] (no dev extras), so code edits keep this layer cached.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

# Static files for whitenoise. Settings require SECRET_KEY and ALLOWED_HOSTS when DEBUG is off; these are
# build-only dummies, set for this RUN step only and never present in the running container.
RUN DEBUG=0 \
    SECRET_KEY=build-only-not-secret-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input

# Uploaded files: a volume shared by the web and worker containers; owned by the app user.
RUN mkdir -p /app/media && chown app:app /app/media

USER app

EXPOSE 8000

# No gunicorn access log, which prints query strings whole: registration_portal/access_log.py logs each request
# with CNICs and phone numbers masked.
CMD ["gunicorn", "registration_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
