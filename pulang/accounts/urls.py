from django.urls import path

from pulang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("preferences/", views.preferences, name="preferences"),
    path("language/", views.switch_language, name="language"),
    path("acting-as/", views.switch_acting_as, name="acting_as"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
