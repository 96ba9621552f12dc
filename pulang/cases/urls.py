from django.urls import path

from pulang.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.work_view, name="work"),
    path("open/<int:person_id>/", views.open_view, name="open"),
    path("<int:case_id>/", views.case_view, name="case"),
    path("<int:case_id>/transition/", views.transition_view, name="transition"),
    path("<int:case_id>/close/", views.close_view, name="close"),
    path("<int:case_id>/reopen/", views.reopen_view, name="reopen"),
    path("<int:case_id>/take/", views.take_view, name="take"),
    path("<int:case_id>/assign/", views.assign_view, name="assign"),
    path("<int:case_id>/transfer/", views.transfer_view, name="transfer"),
    path("<int:case_id>/offices/", views.office_options_view, name="offices"),
    path("<int:case_id>/plan/", views.plan_view, name="plan"),
    path("<int:case_id>/plan/approve/", views.plan_approve_view, name="plan_approve"),
    path("<int:case_id>/plan/goals/", views.goal_add_view, name="goal_add"),
    path(
        "<int:case_id>/plan/goals/<int:goal_id>/status/",
        views.goal_status_view,
        name="goal_status",
    ),
    path(
        "<int:case_id>/plan/goals/<int:goal_id>/actions/",
        views.action_add_view,
        name="action_add",
    ),
    path(
        "<int:case_id>/plan/actions/<int:action_id>/status/",
        views.action_status_view,
        name="action_status",
    ),
    path(
        "<int:case_id>/follow-ups/<int:follow_up_id>/contacts/",
        views.contact_view,
        name="contact",
    ),
    path("<int:case_id>/notes/", views.note_view, name="note"),
    path("<int:case_id>/assistance/", views.assistance_view, name="assistance"),
]
