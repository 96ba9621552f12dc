from django.utils.translation import gettext_lazy as _

from pulang.errors import InvalidInput


class RoleNotAllowed(InvalidInput):
    code = "orgs.role_not_allowed"
    message = _("The role “%(role)s” does not exist in an organisation of kind “%(kind)s”.")


class AreaMismatch(InvalidInput):
    code = "orgs.area_mismatch"
    message = _(
        "An organisation of kind “%(kind)s” must be responsible for an area at level “%(level)s”."
    )


class ScopeOutsideOrganisation(InvalidInput):
    code = "orgs.scope_outside_organisation"
    message = _("The area a role is limited to must lie inside the organisation's own area.")


class DestinationRequired(InvalidInput):
    code = "orgs.destination_required"
    message = _("A consular post needs a destination country other than its home country.")
