from django.urls import include, path

from pulang.registry import public_views, views
from pulang.registry.imports import urls as import_urls

app_name = "registry"

urlpatterns = [
    path("", views.search_view, name="search"),
    path("register/", views.register_view, name="register"),
    path("persons/<int:person_id>/", views.person_view, name="person"),
    path("persons/<int:person_id>/edit/", views.person_edit_view, name="person_edit"),
    path("returns/<int:return_id>/arrival/", views.arrival_view, name="arrival"),
    path("persons/<int:person_id>/export/", views.person_export_view, name="export"),
    path("persons/<int:person_id>/erasure/", views.erasure_request_view, name="erasure_request"),
    path("erasures/", views.erasure_list_view, name="erasures"),
    path("merges/<int:merge_id>/unmerge/", views.unmerge_view, name="unmerge"),
    path("reports/", views.intake_list_view, name="intakes"),
    path("reports/<int:intake_id>/", views.intake_view, name="intake"),
    path("self/", public_views.self_register_view, name="self_register"),
    path("self/status/", public_views.self_status_view, name="self_status"),
    path("imports/", include(import_urls)),
]
