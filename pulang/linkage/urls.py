from django.urls import path

from pulang.linkage import views

app_name = "linkage"

urlpatterns = [
    path("pairs/", views.queue_view, name="queue"),
    path("pairs/<int:pair_id>/", views.pair_view, name="pair"),
]
