"""Organisations, the roles people hold in them, and the scope each role acts within."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.geo.models import AdminArea
from pulang.reference.models import Country


class OrganisationKind(models.TextChoices):
    NATIONAL_AGENCY = "national_agency", _("National agency")
    PROVINCIAL_OFFICE = "provincial_office", _("Provincial office")
    DISTRICT_OFFICE = "district_office", _("District office")
    VILLAGE_OFFICE = "village_office", _("Village office")
    CONSULAR_POST = "consular_post", _("Consular post or labour attaché")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    RECRUITMENT_AGENCY = "recruitment_agency", _("Recruitment agency")
    EMPLOYER = "employer", _("Employer")
    RETURNEE_ASSOCIATION = "returnee_association", _("Returnee association")


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    CASE_WORKER = "case_worker", _("Case worker")
    CONSULAR_OFFICER = "consular_officer", _("Consular officer")
    PROVIDER_STAFF = "provider_staff", _("Service provider staff")
    AGENCY_STAFF = "agency_staff", _("Recruitment agency staff")
    EMPLOYER_STAFF = "employer_staff", _("Employer staff")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")


class ScopeKind(models.TextChoices):
    AREA = "area", _("An area and everything inside it")
    DESTINATION = "destination", _("Workers in one destination country")
    ORGANISATION = "organisation", _("The organisation's own records")


GOVERNMENT_OFFICE_KINDS = frozenset(
    {
        OrganisationKind.NATIONAL_AGENCY,
        OrganisationKind.PROVINCIAL_OFFICE,
        OrganisationKind.DISTRICT_OFFICE,
        OrganisationKind.VILLAGE_OFFICE,
    }
)

# The area level each government office works at.
OFFICE_AREA_LEVEL = {
    OrganisationKind.NATIONAL_AGENCY: AdminArea.Level.COUNTRY,
    OrganisationKind.PROVINCIAL_OFFICE: AdminArea.Level.PROVINCE,
    OrganisationKind.DISTRICT_OFFICE: AdminArea.Level.DISTRICT,
    OrganisationKind.VILLAGE_OFFICE: AdminArea.Level.VILLAGE,
}

_GOVERNMENT_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.SUPERVISOR, Role.CASE_WORKER, Role.ANALYST, Role.AUDITOR}
)
# Which roles exist in which kind of organisation.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.NATIONAL_AGENCY: _GOVERNMENT_ROLES,
    OrganisationKind.PROVINCIAL_OFFICE: _GOVERNMENT_ROLES,
    OrganisationKind.DISTRICT_OFFICE: _GOVERNMENT_ROLES,
    OrganisationKind.VILLAGE_OFFICE: frozenset({Role.SUPERVISOR, Role.CASE_WORKER}),
    OrganisationKind.CONSULAR_POST: frozenset({Role.SUPERVISOR, Role.CONSULAR_OFFICER}),
    OrganisationKind.SERVICE_PROVIDER: frozenset({Role.PROVIDER_STAFF}),
    OrganisationKind.RECRUITMENT_AGENCY: frozenset({Role.AGENCY_STAFF}),
    OrganisationKind.EMPLOYER: frozenset({Role.EMPLOYER_STAFF}),
    OrganisationKind.RETURNEE_ASSOCIATION: frozenset({Role.PROVIDER_STAFF}),
}


def scope_kind_for(kind: str) -> ScopeKind:
    """The kind of scope that every member of an organisation of this kind acts within."""
    if kind in GOVERNMENT_OFFICE_KINDS:
        return ScopeKind.AREA
    if kind == OrganisationKind.CONSULAR_POST:
        return ScopeKind.DESTINATION
    return ScopeKind.ORGANISATION


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    # The sending country the organisation belongs to or serves.
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("country")
    )
    # Government offices: their jurisdiction. Others: where they are based (optional).
    area = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("area"),
    )
    # Consular posts: the destination country whose workers they look after.
    destination_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consular_posts",
        verbose_name=_("destination country"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="consular_post")
                | models.Q(destination_country__isnull=False),
                name="organisation_consular_post_has_destination",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    kind__in=[
                        "national_agency",
                        "provincial_office",
                        "district_office",
                        "village_office",
                    ]
                )
                | models.Q(area__isnull=False),
                name="organisation_office_has_area",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_kind(self) -> ScopeKind:
        return scope_kind_for(self.kind)


class Membership(models.Model):
    """A user acting for an organisation in one role, within a scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # Optional narrowing of an office's area, e.g. one sub-district of a district office.
    scope_area = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("limited to area"),
    )
    has_clearance = models.BooleanField(
        _("cleared for restricted cases"),
        default=False,
        help_text=_("Trafficking, gender-based violence and cases involving minors."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=models.Q(is_active=True),
                name="membership_one_active_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organisation}"
