from django.utils.translation import gettext_lazy as _

from pulang.errors import InvalidInput


class AreaImportRejected(InvalidInput):
    code = "geo.import_rejected"
    message = _("The file was not imported: %(count)d row(s) have errors. Nothing was changed.")
