"""``/ledger/``: the tlog-tiles resources (the log's URL prefix; its origin names it without the scheme)."""

from django.urls import path, re_path

from kechuang.ledger import tlog_views

app_name = "tlog"

urlpatterns = [
    path("checkpoint", tlog_views.checkpoint, name="checkpoint"),
    re_path(r"^tile/(?P<path>.+)$", tlog_views.tile, name="tile"),
]
