from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "pulang.linkage"
    verbose_name = _("Record linkage")

    def ready(self) -> None:
        # The registry's duplicate check scores with the trained model through this hook
        # (the registry does not import linkage: linkage builds on it).
        from pulang.linkage.door import register

        register()
