"""Refusing an upload over the size limit while it arrives, rather than after writing it all to disk."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .http import PortalRequest

# Room for the form's other fields around the file in a multipart body.
_FORM_OVERHEAD = 64 * 1024


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a multipart body once it passes `limit` bytes; `request.upload_too_large` then says so.

    The rest of the body is read and discarded (not reset), so the browser still receives the error page.
    """

    request: PortalRequest

    def __init__(self, request: PortalRequest, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large_already = False
        request.upload_too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Known too large from the start. Refused at the first file, not here: Django's parser turns a StopUpload
        # raised here into a 500, while one raised for a file ends the parse cleanly.
        self.too_large_already = bool(content_length and content_length > self.limit + _FORM_OVERHEAD)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large_already:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int):
        return None

    def _refuse(self) -> None:
        self.request.upload_too_large = True
        raise StopUpload(connection_reset=False)


def limit_upload_size(limit: Callable[[], int]):
    """View decorator: install the handler before CSRF checking reads the body (Django's documented pattern)."""

    def decorator(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapped(request: PortalRequest, *args, **kwargs):
            request.upload_handlers = [SizeLimitUploadHandler(request, limit()), *request.upload_handlers]
            return protected(request, *args, **kwargs)

        return wrapped

    return decorator


def install_size_limit(request: PortalRequest, limit: int) -> None:
    """For DRF views: call before the request's data is first read."""
    request.upload_handlers = [SizeLimitUploadHandler(request, limit), *request.upload_handlers]
