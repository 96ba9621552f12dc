from django.utils.translation import gettext_lazy as _

from pulang.errors import Conflict, NotFound


class UnknownInstrument(NotFound):
    code = "assessments.unknown_instrument"
    message = _("There is no questionnaire “%(instrument)s” (version %(version)s).")


class InstrumentVersionInUse(Conflict):
    """A file changed an instrument version that assessments already used."""

    code = "assessments.instrument_version_in_use"
    message = _(
        "Version %(version)s of the questionnaire “%(instrument)s” has already been used "
        "by %(count)s assessments and cannot change. Give the changed file a new version "
        "number."
    )


class ReturnNotOfPerson(NotFound):
    code = "assessments.return_not_of_person"
    message = _("This return is not one of this person's returns.")
