from django.urls import path

from pulang.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.organisation_list_view, name="list"),
    path("<int:organisation_id>/", views.organisation_detail_view, name="detail"),
]
