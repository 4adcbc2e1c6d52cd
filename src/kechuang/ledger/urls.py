"""The ledger's pages under ``/records/`` (the tlog-tiles resources live under ``/ledger/``, see ``tlog_urls``)."""

from django.urls import path

from kechuang.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.entry_list, name="entries"),
    path("<int:index>/", views.entry_detail, name="entry"),
    path("<int:index>/receipt", views.entry_receipt, name="receipt"),
    path("notarise/", views.notarise, name="notarise"),
    path("pending/<int:pk>/", views.entry_pending, name="pending"),
    path("verify/", views.verify, name="verify"),
]
