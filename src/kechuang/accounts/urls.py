"""Account pages under ``/accounts/``."""

from django.urls import path

from kechuang.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("settings/password/done/", views.password_change_done, name="password_change_done"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("memberships/", views.memberships, name="memberships"),
    path("memberships/<int:pk>/approve/", views.membership_decide, {"action": "approve"}, name="membership_approve"),
    path("memberships/<int:pk>/reject/", views.membership_decide, {"action": "reject"}, name="membership_reject"),
    path("memberships/<int:pk>/revoke/", views.membership_decide, {"action": "revoke"}, name="membership_revoke"),
    path("organizations/options/", views.organization_options_view, name="organization_options"),
    path("organizations/roles/", views.role_options_view, name="role_options"),
    path("organizations/propose/", views.organization_propose, name="organization_propose"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("profile/works/", views.work_add, name="work_add"),
    path("profile/works/<int:pk>/delete/", views.work_delete, name="work_delete"),
    path("profile/history/", views.history_add, name="history_add"),
    path("profile/history/<int:pk>/delete/", views.history_delete, name="history_delete"),
    path("profile/relations/", views.relation_add, name="relation_add"),
    path("profile/relations/<int:pk>/delete/", views.relation_delete, name="relation_delete"),
    path("experts/options/", views.expert_options_view, name="expert_options"),
    path("organizations/<int:pk>/shareholdings/", views.shareholdings, name="shareholdings"),
    path(
        "organizations/<int:pk>/shareholdings/<int:holding>/delete/",
        views.shareholding_delete,
        name="shareholding_delete",
    ),
]
