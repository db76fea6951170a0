"""Gunicorn reads this file from the directory it starts in (the project root, and /app in the image)."""

# The longest request line it reads (its own limit, 4094, refuses a long but valid query with an HTML 414 before
# the API can answer); 8190 is gunicorn's largest short of unlimited, and nginx's default too.
limit_request_line = 8190


def post_worker_init(worker):
    """Each worker loads its copy of the whitelist, and the API's schema, before it takes requests, so neither
    waits."""
    from core.api_contract import warm as read_schema
    from whitelist.index import warm

    warm()
    read_schema()
