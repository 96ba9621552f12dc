from django.urls import path

from pulang.referrals import views_referrals as views

app_name = "referrals"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("case/<int:case_id>/find/", views.find_view, name="find"),
    path("case/<int:case_id>/send/", views.send_view, name="send"),
    path("sent/", views.sent_view, name="sent"),
    path("<int:referral_id>/", views.referral_view, name="referral"),
    path("<int:referral_id>/withdraw/", views.withdraw_view, name="withdraw"),
    path("<int:referral_id>/feedback/", views.feedback_view, name="feedback"),
    path("reminders/<int:reminder_id>/seen/", views.reminder_seen_view, name="reminder_seen"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/<int:referral_id>/", views.inbox_referral_view, name="inbox_referral"),
    path("inbox/<int:referral_id>/<str:step>/", views.step_view, name="step"),
    path("figures/", views.figures_view, name="figures"),
]
