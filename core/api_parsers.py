"""DRF's JSON parser, with every malformed body answered as a parse error (400) rather than a crash."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:  # a thousand nested arrays: json gives up by recursion, not ValueError
            raise ParseError(_("The JSON is nested too deeply to read."), code="too_deep") from None
