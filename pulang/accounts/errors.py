from django.utils.translation import gettext_lazy as _

from pulang.errors import InvalidInput


class UnknownTimeZone(InvalidInput):
    code = "accounts.unknown_time_zone"
    message = _("“%(value)s” is not a known time zone. Choose one from the list.")


class UnknownLanguage(InvalidInput):
    code = "accounts.unknown_language"
    message = _("“%(value)s” is not a language Pulang is available in.")
