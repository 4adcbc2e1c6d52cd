"""The search page under ``/search/`` (the JSON search is ``/api/v1/search``)."""

from django.urls import path

from kechuang.search import views

app_name = "search"
urlpatterns = [
    path("", views.search, name="search"),
]
