from __future__ import annotations

from pulang.geo.models import AdminArea
from pulang.geo.services import area_load_iso_provinces
from pulang.reference.models import Country, Currency, Language, Occupation
from pulang.reference.services import ASEAN_MEMBERS, reference_load


def test_reference_load_is_complete_and_idempotent(db: None) -> None:
    first = reference_load()
    second = reference_load()
    assert first == second
    assert (first.occupations, Occupation.objects.count()) == (619, 619)
    assert Occupation.objects.filter(level=4).count() == 436
    assert Country.objects.count() == first.countries == 249
    assert set(Country.objects.filter(is_asean_member=True).values_list("code", flat=True)) == (
        ASEAN_MEMBERS
    )
    assert Currency.objects.get(code="IDR").name == "Rupiah"
    assert Language.objects.get(code="id").is_regional is True
    assert Language.objects.get(code="ceb").name == "Cebuano"


def test_isco_codes_keep_their_leading_zeros(db: None) -> None:
    reference_load()
    armed = Occupation.objects.get(code="0110")
    assert (armed.level, armed.parent_id) == (4, "011")
    assert Occupation.objects.get(code="9111").title_en == "Domestic cleaners and helpers"


def test_asean_provinces_from_iso_3166_2(db: None) -> None:
    reference_load()
    area_load_iso_provinces(country_codes=sorted(ASEAN_MEMBERS))
    area_load_iso_provinces(country_codes=sorted(ASEAN_MEMBERS))
    provinces = AdminArea.objects.filter(level=1)
    counts = {c: provinces.filter(country_id=c).count() for c in ("ID", "PH", "VN", "MM")}
    assert counts == {"ID": 38, "PH": 83, "VN": 63, "MM": 15}
    east_java = AdminArea.objects.get(country_id="ID", code="ID-JI")
    assert (east_java.name, east_java.path) == ("Jawa Timur", "ID/ID-JI/")
    # Indonesia's "geographical units" group provinces and are not administrations.
    assert not AdminArea.objects.filter(code="ID-JW").exists()
