"""Pages of the challenges app, under ``/challenges/``."""

from django.urls import URLPattern, URLResolver, path

from kechuang.challenges import views

app_name = "challenges"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.challenge_list, name="list"),
    path("new/", views.challenge_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("operate/", views.operate, name="operate"),
    path("<int:pk>/", views.challenge_detail, name="detail"),
    path("<int:pk>/edit/", views.challenge_edit, name="edit"),
    path("<int:pk>/nda/", views.accept_nda, name="nda"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/applications/", views.challenge_applications, name="applications"),
    path("<int:pk>/objections/", views.raise_objection, name="object"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/terminate/", views.terminate, name="terminate"),
    path("objections/<int:pk>/answer/", views.answer_objection, name="answer"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/membership/accept/", views.answer_invitation, {"answer": "accept"}, name="accept"),
    path("applications/<int:pk>/membership/decline/", views.answer_invitation, {"answer": "decline"}, name="decline"),
    path(
        "applications/<int:pk>/invitations/<int:user_id>/withdraw/",
        views.withdraw_invitation,
        name="withdraw_invitation",
    ),
    path("milestones/<int:pk>/", views.milestone, name="milestone"),
]
