"""Gunicorn reads this file from the directory it starts in (the project root, and /app in the image)."""


def post_worker_init(worker):
    """Each worker loads its copy of the whitelist before it takes requests, so checks never wait for it."""
    from whitelist.index import warm

    warm()
