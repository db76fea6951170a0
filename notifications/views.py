from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .services import notification_mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    signed_in = cast(int, request.user.pk)  # login_required
    messages = Notification.objects.filter(user_id=signed_in, channel=Notification.Channel.IN_APP)
    page = Paginator(messages.order_by("-created_at", "-id"), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    notification_id = request.POST.get("notification", "")
    if notification_id and not notification_id.isdigit():
        return HttpResponseBadRequest("notification must be a message number")
    notification_mark_read(user=request.user, notification_id=int(notification_id) if notification_id else None)
    return redirect("notifications:inbox")


def unread_count(request: HttpRequest) -> dict:
    """For the header: how many in-app messages the signed-in user has not read."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    unread = Notification.objects.filter(user=request.user, channel=Notification.Channel.IN_APP, read_at__isnull=True)
    return {"unread_notifications": unread.count()}
