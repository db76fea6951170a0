"""Swagger UI and Redoc (/api/docs/, /api/redoc/) under the portal's Content-Security-Policy, with the little more
each needs; tests/browser/test_api_docs.py fails if the policy blocks anything on either page."""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

# Both draw their icons as data: SVG images.
DATA_IMAGES = {"img-src": [SELF, "data:"]}

# Swagger UI's settings script is served by the page's own URL (?script), not inline.
swagger_ui = csp_update(DATA_IMAGES)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

# Redoc's bundle inserts <style> elements as it loads: empty ones (styled-components fills its own through the CSSOM,
# which the policy does not govern) and perfect-scrollbar's fixed stylesheet; the policy allows exactly these by
# hash. Its search index runs in a worker made from a blob: URL. A new Redoc in drf-spectacular-sidecar may change
# the stylesheet: the browser test then names the new hash.
REDOC_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty string
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's stylesheet
]
redoc = csp_update({**DATA_IMAGES, "style-src": [SELF, *REDOC_STYLE_HASHES], "worker-src": [SELF, "blob:"]})(
    SpectacularRedocView.as_view(url_name="api-schema")
)
