from typing import Any

from django.utils.translation import ngettext

from pulang.errors import InvalidInput


class AreaImportRejected(InvalidInput):
    code = "geo.import_rejected"

    def __init__(self, *, count: int, errors: list[dict[str, Any]]) -> None:
        message = ngettext(
            "The file was not imported: %(count)d row has errors. Nothing was changed.",
            "The file was not imported: %(count)d rows have errors. Nothing was changed.",
            count,
        )
        super().__init__(message, errors=errors, count=count)
