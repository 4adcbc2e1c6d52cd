from django.urls import path

from kechuang.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("experts/", views.expert_list, name="experts"),
    path("experts/<int:pk>/", views.expert_detail, name="expert"),
    path("language/", views.switch_language, name="language"),
]
