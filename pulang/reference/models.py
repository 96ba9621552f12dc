"""Code lists from international standards, stored under the standard's own code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Country(models.Model):
    """ISO 3166-1 country, with Pulang's roles flagged."""

    code = models.CharField(_("ISO 3166-1 alpha-2"), max_length=2, primary_key=True)
    alpha3 = models.CharField(_("ISO 3166-1 alpha-3"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO 3166-1 numeric"), max_length=3)
    name = models.CharField(_("name"), max_length=120)
    is_asean_member = models.BooleanField(_("ASEAN member"), default=False)
    is_sending_country = models.BooleanField(_("migrant-worker sending country"), default=False)
    is_main_destination = models.BooleanField(_("main destination"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    """A language by its BCP 47 tag (ISO 639-1 where it exists, else ISO 639-3)."""

    code = models.CharField(_("BCP 47 tag"), max_length=8, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    is_regional = models.BooleanField(_("spoken in ASEAN countries"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.name


class Currency(models.Model):
    """ISO 4217 currency."""

    code = models.CharField(_("ISO 4217 code"), max_length=3, primary_key=True)
    numeric = models.CharField(_("ISO 4217 numeric"), max_length=3)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Occupation(models.Model):
    """ISCO-08 group at any of its four levels (codes keep their leading zeros)."""

    class Level(models.IntegerChoices):
        MAJOR = 1, _("major group")
        SUB_MAJOR = 2, _("sub-major group")
        MINOR = 3, _("minor group")
        UNIT = 4, _("unit group")

    code = models.CharField(_("ISCO-08 code"), max_length=4, primary_key=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    title_en = models.CharField(_("title (English)"), max_length=255)
    definition_en = models.TextField(_("definition (English)"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("occupation (ISCO-08)")
        verbose_name_plural = _("occupations (ISCO-08)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="occupation_level_1_to_4"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"
