"""ModelAdmin mixins every admin of ours shares: read-only records, personal data kept out of URLs, and actions
refused with 403 to a role that is not offered them."""

from __future__ import annotations

import re
import secrets
import string
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR, SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .personal_data import contains_personal_number

if TYPE_CHECKING:
    _ModelAdminMixin = admin.ModelAdmin  # the mixins below are only ever mixed into a ModelAdmin
else:
    _ModelAdminMixin = object


class ReadOnlyAdminMixin:
    """For records nobody may add, edit or delete through the admin: audit trails and personal data."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OfferedActionsOnlyMixin(_ModelAdminMixin):
    """Refuses with 403 a posted action this admin has but does not offer this user (`get_actions`).

    Django itself only answers "No action selected", which hides a crafted request among slips of the hand.
    """

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "action" in request.POST:
            withheld = self._action_names() - self.get_actions(request).keys()
            if withheld.intersection(request.POST.getlist("action")):
                raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def _action_names(self) -> set[str]:
        site_wide = {name for name, _function in self.admin_site.actions}
        own = (self.get_action(action) for action in self.actions or ())
        return site_wide | {found[1] for found in own if found is not None}


# A POST carrying this field is the search box's (templates/admin/search_form.html), not an action.
SEARCH_SUBMITTED = "_search"
# Letters only, so that a key never looks like a number to mask or to refuse.
_SEARCH_KEY = re.compile(r"key-[A-Za-z]{20}")
_SESSION_SEARCHES = "admin_searches"
_SEARCHES_KEPT = 50
_NOT_CARRIED = {"csrfmiddlewaretoken", SEARCH_SUBMITTED, SEARCH_VAR, PAGE_VAR, ERROR_FLAG}
_SEARCH_REFUSED = _(
    "CNICs and mobile numbers are not searched from the address bar, which browsers and logs keep: "
    "type the number in the search box."
)
_SEARCH_LOST = _("That search link works only in the session that made it: type the search in the search box again.")


class PersonalDataSearchMixin(_ModelAdminMixin):
    """Keeps CNICs and phone numbers searched in the admin out of URLs, and so out of access logs and histories.

    The search box posts. A term holding such a number is kept in the user's session and the changelist shows its
    results under a random key (`?q=key-…`), which filters and pages carry like any search; other terms go to
    `?q=` as usual. A number typed into the address bar is not searched: a link that worked would be bookmarked
    and shared, and pass through proxies' logs. Admins with a search of their own override `search_by_term`.
    """

    search_by_post = True  # read by templates/admin/search_form.html

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and SEARCH_SUBMITTED in request.POST:
            return self._redirect_to_results(request)
        query = request.GET.get(SEARCH_VAR, "")
        if request.method == "GET" and query and _searched_term(request, query) is None:
            messages.warning(request, _SEARCH_LOST if _SEARCH_KEY.fullmatch(query) else _SEARCH_REFUSED)
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The box shows what was searched rather than its key; a number refused from the URL stays, ready to post.
        query = changelist.query
        term = (_searched_term(request, query) or "") if _SEARCH_KEY.fullmatch(query) else query
        changelist.search_term = term  # type: ignore[attr-defined]  # ours, for templates/admin/search_form.html
        return changelist

    def get_search_results(self, request, queryset, search_term):
        term = _searched_term(request, search_term)
        if term is None:
            return queryset.none(), False
        return self.search_by_term(request, queryset, term)

    def search_by_term(self, request, queryset, term: str):
        """The search itself, given the term the user typed: Django's, over `search_fields`, unless overridden."""
        return super().get_search_results(request, queryset, term)

    def _redirect_to_results(self, request) -> HttpResponseRedirect:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        carried = [(name, value) for name, values in request.POST.lists() for value in values]
        params = [(name, value) for name, value in carried if name not in _NOT_CARRIED]
        term = request.POST.get(SEARCH_VAR, "")
        if term.strip():
            params.append((SEARCH_VAR, _search_key(request, term) if contains_personal_number(term) else term))
        return HttpResponseRedirect(f"{request.path}?{urlencode(params)}" if params else request.path)


class PortalAdminMixin(PersonalDataSearchMixin, OfferedActionsOnlyMixin):
    """What every admin of ours does: searches personal data without putting it in URLs, refuses withheld actions."""


def _searched_term(request, query: str) -> str | None:
    """What a changelist's `q` searches for; None if it is a key this session does not hold, or personal data."""
    if _SEARCH_KEY.fullmatch(query):
        return request.session.get(_SESSION_SEARCHES, {}).get(query)
    return None if contains_personal_number(query) else query


def _search_key(request, term: str) -> str:
    """The key `term` is kept under in the user's session: the same one each time it is searched."""
    searches = request.session.get(_SESSION_SEARCHES, {})
    for key, kept in searches.items():
        if kept == term:
            return key
    key = "key-" + "".join(secrets.choice(string.ascii_letters) for _letter in range(20))
    request.session[_SESSION_SEARCHES] = dict(list(searches.items())[1 - _SEARCHES_KEPT :]) | {key: term}
    return key
