from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("pulang.dashboard.urls")),
    path("accounts/", include("pulang.accounts.urls")),
    path("organisations/", include("pulang.orgs.urls")),
    path("audit/", include("pulang.audit.urls")),
    path("registry/", include("pulang.registry.urls")),
    path("linkage/", include("pulang.linkage.urls")),
    path("assessments/", include("pulang.assessments.urls")),
    path("cases/", include("pulang.cases.urls")),
    path("referrals/directory/", include("pulang.referrals.directory_urls")),
    path("referrals/", include("pulang.referrals.urls")),
    path("services/feedback/", include("pulang.referrals.public_feedback")),
    path("services/", include("pulang.referrals.public_urls")),
    path("api/v1/", api.urls),
]
