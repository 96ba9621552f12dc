"""Writes of bulk imports (docs/imports.md): sources, and the life of a batch."""

from pulang.registry.imports.services.batches import (
    MAX_UPLOAD_BYTES,
    commit_now,
    import_batch_abandon,
    import_batch_check,
    import_batch_commit,
    import_batch_map,
    import_batch_run_check,
    import_batch_run_commit,
    import_batch_submit,
    import_batch_upload,
    import_batch_use_source,
    is_stalled,
    mapping_fits,
)
from pulang.registry.imports.services.sources import (
    TEMPLATE_LABELS,
    import_source_choose,
    import_source_from_template,
    import_source_save,
    template,
    validate_source,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "TEMPLATE_LABELS",
    "commit_now",
    "import_batch_abandon",
    "import_batch_check",
    "import_batch_commit",
    "import_batch_map",
    "import_batch_run_check",
    "import_batch_run_commit",
    "import_batch_submit",
    "import_batch_upload",
    "import_batch_use_source",
    "import_source_choose",
    "import_source_from_template",
    "import_source_save",
    "is_stalled",
    "mapping_fits",
    "template",
    "validate_source",
]
