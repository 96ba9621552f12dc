"""Routes of the import pages, included under ``registry/imports/`` (names ``import…``)."""

from django.urls import path

from pulang.registry.imports import views

urlpatterns = [
    path("", views.imports_view, name="imports"),
    path("<int:batch_id>/", views.batch_view, name="import_batch"),
    path("<int:batch_id>/status/", views.batch_status_view, name="import_status"),
    path("<int:batch_id>/columns/", views.batch_map_view, name="import_map"),
    path("<int:batch_id>/check/", views.batch_check_view, name="import_check"),
    path("<int:batch_id>/import/", views.batch_commit_view, name="import_commit"),
    path("<int:batch_id>/abandon/", views.batch_abandon_view, name="import_abandon"),
    path("<int:batch_id>/problems.csv", views.batch_errors_view, name="import_errors"),
]
