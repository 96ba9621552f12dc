from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "pulang.assessments"
    verbose_name = _("Needs assessments")

    def ready(self) -> None:
        # The person page lists the person's assessments (the registry does not import
        # assessments: they build on it).
        from pulang.assessments.presenters import person_assessments_section
        from pulang.registry.person_sections import person_section

        person_section(person_assessments_section)
        from pulang.assessments.selectors import assessments_held
        from pulang.registry.held_elsewhere import held_elsewhere

        held_elsewhere(
            "assessments",
            _("Needs assessments"),
            assessments_held,
            audited_as="assessments.assessment",
        )
