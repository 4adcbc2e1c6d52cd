"""URL map: pages, accounts, the admin, the language switch and the JSON API."""

from django.contrib import admin
from django.urls import include, path

from kechuang.api import api

admin.site.site_header = "kechuang 科创"
admin.site.site_title = "kechuang"

urlpatterns = [
    path("", include("kechuang.web.urls")),
    path("accounts/", include("kechuang.accounts.urls")),
    path("ledger/", include("kechuang.ledger.tlog_urls")),
    path("records/", include("kechuang.ledger.urls")),
    path("search/", include("kechuang.search.urls")),
    path("notifications/", include("kechuang.notifications.urls")),
    path("review/", include("kechuang.review.urls")),
    path("challenges/", include("kechuang.challenges.urls")),
    path("transfer/", include("kechuang.transfer.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
