from __future__ import annotations


class PortalError(Exception):
    """A refused action, with a message fit to show the user. Views show it; the API answers 400 or 409."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class ConflictError(PortalError):
    """The object is not in a state that allows the action (an invalid status transition, a lost race)."""

    status_code = 409


class ForbiddenError(PortalError):
    """The user may not do this at all."""

    status_code = 403
