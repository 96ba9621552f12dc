from django.urls import path

from pulang.dashboard import views

app_name = "dashboard"

urlpatterns = [path("", views.home, name="home")]
