from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "pulang.referrals"
    verbose_name = _("Services and referrals")

    def ready(self) -> None:
        # The case page lists the case's referrals and leads to making one (the cases
        # app does not import referrals: they build on it).
        from pulang.cases.case_sections import case_section
        from pulang.referrals.presenters import case_referrals_section

        case_section(case_referrals_section)

        # Withdrawing the consent to share with providers withdraws what was shared.
        from pulang.referrals.services.referrals import referrals_on_consent_withdrawn
        from pulang.registry.consent_hooks import on_consent_withdrawn

        on_consent_withdrawn(referrals_on_consent_withdrawn)
        # The copy of everything held on a person includes the referrals.
        from pulang.referrals.selectors.held import referrals_held
        from pulang.registry.held_elsewhere import held_elsewhere

        held_elsewhere("referrals", _("Referrals"), referrals_held, audited_as="referrals.referral")
