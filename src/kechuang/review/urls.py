"""Pages of the review app under ``/review/``."""

from django.urls import URLPattern, URLResolver, path

from kechuang.review import views

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.my_reviews, name="my"),
    path("assignments/<int:pk>/", views.assignment_page, name="assignment"),
    path("assignments/<int:pk>/unassign/", views.change, {"action": "unassign"}, name="unassign"),
    path("assignments/<int:pk>/replace/", views.change, {"action": "replace"}, name="replace"),
    path("items/<int:pk>/", views.item_page, name="item"),
    path("items/<int:pk>/declare-conflict/", views.declare_conflict, name="declare_conflict"),
    path("items/<int:pk>/assign/", views.assign, name="assign"),
    path("items/<int:pk>/conflicts/", views.set_conflict, name="set_conflict"),
    path("items/<int:pk>/reconcile/", views.reconcile, name="reconcile"),
    path("items/<int:pk>/decide/", views.decide, name="decide"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:pk>/", views.call_page, name="call"),
    path("calls/<int:pk>/pool/", views.invite, name="invite"),
    path("calls/<int:pk>/pool/<int:member>/remove/", views.remove, name="remove"),
    path("calls/<int:pk>/runs/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_status, name="run"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
]
