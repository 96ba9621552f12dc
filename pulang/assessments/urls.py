from django.urls import path

from pulang.assessments import views

app_name = "assessments"

urlpatterns = [
    path("person/<int:person_id>/", views.person_view, name="person"),
    path("person/<int:person_id>/new/", views.new_view, name="new"),
    path("<int:assessment_id>/", views.detail_view, name="detail"),
]
