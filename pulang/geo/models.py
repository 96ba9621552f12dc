"""Administrative areas: one tree per country, country → province → district → sub-district
→ village, each under its official code. ``path`` (codes from the root, ``/``-joined) makes
"is this area inside that one?" a prefix test that an index answers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.reference.models import Country


class AdminArea(models.Model):
    class Level(models.IntegerChoices):
        COUNTRY = 0, _("country")
        PROVINCE = 1, _("province")
        DISTRICT = 2, _("district")
        SUBDISTRICT = 3, _("sub-district")
        VILLAGE = 4, _("village")

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="areas")
    code = models.CharField(_("official code"), max_length=32)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=200)
    # Names in local languages and scripts, by BCP 47 tag: {"th": "กรุงเทพมหานคร"}.
    local_names = models.JSONField(_("names in local languages"), default=dict, blank=True)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["country_id", "path"]
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="adminarea_unique_code"),
            models.CheckConstraint(
                condition=models.Q(level__gte=0, level__lte=4), name="adminarea_level_0_to_4"
            ),
            models.CheckConstraint(
                condition=models.Q(level=0, parent__isnull=True)
                | models.Q(level__gt=0, parent__isnull=False),
                name="adminarea_only_countries_are_roots",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def contains(self, other: AdminArea) -> bool:
        """True when ``other`` is this area or lies inside it."""
        return other.path.startswith(self.path)
