"""Staff pages of the directory (mounted at ``/referrals/directory/``)."""

from django.urls import path

from pulang.referrals import views_directory as views

app_name = "directory"

urlpatterns = [
    path("", views.entries_view, name="entries"),
    path("new/", views.propose_view, name="new"),
    path("<int:service_id>/", views.propose_view, name="edit"),
    path("<int:service_id>/withdraw/", views.withdraw_view, name="withdraw"),
    path("areas/", views.area_search_view, name="areas"),
    path("approvals/", views.approvals_view, name="approvals"),
    path("approvals/<int:change_id>/", views.change_view, name="change"),
    path("approvals/<int:change_id>/decide/", views.decide_view, name="decide"),
]
