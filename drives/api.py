"""`GET /api/v1/registration-window/`: the registration window, for anyone (ISPs, the press), cacheable."""

from __future__ import annotations

import hashlib
import json

from django.utils.cache import get_conditional_response
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import api_operation

from .models import AfterGrace
from .window import CLOSED, GRACE, NONE, OPEN, OPEN_LATE, UPCOMING, WindowState, window_state

STATES = [NONE, UPCOMING, OPEN, GRACE, OPEN_LATE, CLOSED]


class NoticeSerializer(serializers.Serializer):
    en = serializers.CharField(allow_blank=True)
    ur = serializers.CharField(allow_blank=True)


class RegistrationWindowSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=STATES,
        help_text=_(
            "`none`: no window, always open; `upcoming`: before it opens; `open`: until the deadline; `grace`: after "
            "it, accepted and marked late; then `open_late` (still accepted, late) or `closed` (new registrations "
            "refused)."
        ),
    )
    opens_at = serializers.DateField(allow_null=True, help_text=_("The day it opens (Pakistan time), or null."))
    deadline = serializers.DateField(allow_null=True, help_text=_("The last day on time, inclusive."))
    grace_until = serializers.DateField(allow_null=True, help_text=_("The last day of the grace period, inclusive."))
    enforcement_from = serializers.DateField(allow_null=True)
    after_grace = serializers.ChoiceField(choices=AfterGrace.values, allow_null=True)
    extended = serializers.BooleanField(help_text=_("The deadline was moved later."))
    notice = NoticeSerializer()
    days_left = serializers.IntegerField(
        allow_null=True,
        help_text=_("Days to the deadline while `open`, to the end of the grace period in `grace`; 0 on the last day."),
    )
    changed_at = serializers.DateTimeField(allow_null=True)


def window_json(state: WindowState) -> dict:
    window = state.window
    return {
        "state": state.state,
        "opens_at": window and window.opens_on and window.opens_on.isoformat(),
        "deadline": window and window.deadline.isoformat(),
        "grace_until": window and window.grace_until.isoformat(),
        "enforcement_from": window and window.enforcement_from and window.enforcement_from.isoformat(),
        "after_grace": window and window.after_grace,
        "extended": state.extended,
        "notice": {"en": window.notice_en if window else "", "ur": window.notice_ur if window else ""},
        "days_left": state.days_left,
        "changed_at": window and window.changed_at.isoformat(),
    }


class RegistrationWindowAPI(APIView):
    """The registration window and its state today; no token needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @api_operation(
        responses={
            200: RegistrationWindowSerializer,
            304: OpenApiResponse(description=_("Nothing changed since the `ETag` sent as `If-None-Match`.")),
        },
        errors=(429,),
        parameters=[
            OpenApiParameter(
                "If-None-Match", str, OpenApiParameter.HEADER, description=_("The `ETag` of your last copy.")
            ),
            OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=[200, 304], required=True),
        ],
        auth=[],
        description=_(
            "The registration window: its dates (days in Pakistan time), what happens after the grace period, the "
            "public notice in English and Urdu, and its state today. Send the `ETag` back as `If-None-Match` to get "
            "`304 Not Modified` while nothing has changed."
        ),
    )
    def get(self, request):
        body = window_json(window_state())
        etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
        not_modified = get_conditional_response(request._request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        response = Response(body)
        response["ETag"] = etag
        # The state moves at midnight in Pakistan: a copy is asked about again within a minute.
        response["Cache-Control"] = "public, max-age=60"
        return response
