"""Pages of the notifications app: the inbox, opening a notification, and the e-mail preference."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kechuang.accounts.models import User
from kechuang.core.errors import NotFound
from kechuang.core.paging import paginate
from kechuang.notifications import kinds, selectors, services
from kechuang.notifications.forms import EmailPreferenceForm

PAGE_SIZE = 20
TABS = ("unread", "all")


def _user(request: HttpRequest) -> User:
    # Only called behind login_required.
    return cast(User, request.user)


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox(request: HttpRequest) -> HttpResponse:
    """Tabs 未读 / 全部, newest first, paged; the unread tab is the default while anything is unread."""
    user = _user(request)
    unread = selectors.unread_count(user)
    show = request.GET.get("show", "")
    if show not in TABS:
        show = "unread" if unread else "all"
    page = paginate(selectors.inbox(user, unread=show == "unread"), page=request.GET.get("page"), page_size=PAGE_SIZE)
    items = []
    for notification in page.items:
        title, body = kinds.render(notification.kind, notification.params)
        items.append({"notification": notification, "title": title, "body": body})
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "items": items, "show": show, "unread": unread},
    )


@login_required
@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go where it leads (back to the inbox when it leads nowhere safe)."""
    user = _user(request)
    try:
        notification = selectors.get_notification_for(user, pk)
    except NotFound:
        raise Http404 from None
    services.mark_read(actor=user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    marked = services.mark_all_read(actor=_user(request))
    if marked:
        messages.success(
            request,
            ngettext("Marked %(count)d notification read.", "Marked %(count)d notifications read.", marked)
            % {"count": marked},
        )
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailPreferenceForm(
        request.POST if request.method == "POST" else None, preference=selectors.email_preference_of(user)
    )
    if request.method == "POST" and form.is_valid():
        form.submit(actor=user)
        messages.success(request, _("Your e-mail settings are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
