from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "pulang.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # A case opened abroad follows the worker home: the registry calls this on arrival
        # (the registry does not import cases: cases build on it).
        from pulang.cases.services import case_forward_on_arrival
        from pulang.registry.arrivals import on_arrival

        on_arrival(case_forward_on_arrival)
        # An urgent or high-priority assessment opens a case (assessments do not import
        # cases either).
        from pulang.assessments.recorded import on_recorded
        from pulang.cases.services.cases import case_from_assessment

        on_recorded(case_from_assessment)
        # The person page lists the person's cases (the registry does not import cases).
        from pulang.cases.presenters import person_cases_section
        from pulang.registry.person_sections import person_section

        person_section(person_cases_section)
        # The copy of everything held on a person includes the cases.
        from pulang.cases.selectors import cases_held
        from pulang.registry.held_elsewhere import held_elsewhere

        held_elsewhere("cases", _("Cases"), cases_held, audited_as="cases.case")
