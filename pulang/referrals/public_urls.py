"""The public service directory, without an account (mounted at ``/services/``)."""

from django.urls import path

from pulang.referrals import public_views

app_name = "services"

urlpatterns = [
    path("", public_views.directory_view, name="directory"),
    path("places/", public_views.area_options_view, name="areas"),
    path("<int:service_id>/", public_views.service_view, name="service"),
]
