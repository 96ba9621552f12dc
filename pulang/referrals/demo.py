"""The demo directory: four service providers in the demo districts (a counselling
centre, a community training centre, a legal aid office and a returnees' cooperative),
eight published services in Indonesian and English, and one provider user each. Built
through the services — each entry proposed by its provider and approved by the demo's
national administrator — and safe to run again (what exists is left as it is)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from pulang.accounts.selectors import user_get_by_username
from pulang.accounts.services import user_create
from pulang.geo.selectors import area_get
from pulang.operations.demo import DEMO_PASSWORD, DemoRefused
from pulang.orgs.actor import Actor
from pulang.orgs.models import OrganisationKind, Role
from pulang.orgs.selectors import (
    membership_exists,
    membership_list_for_user,
    organisation_get_by_name,
)
from pulang.orgs.services import membership_create, organisation_create
from pulang.reference.selectors import country_list
from pulang.referrals.codes import Cost, ProviderKind, ReturnMode, ServiceType
from pulang.referrals.inputs import EntryInput
from pulang.referrals.selectors.directory import services_of_provider
from pulang.referrals.services.directory import service_change_decide, service_propose

APPROVER = "admin"  # the demo's national administrator (operations.demo)


@dataclass(frozen=True)
class DemoService:
    service_type: ServiceType
    id: dict[str, str]
    en: dict[str, str]
    areas: tuple[str, ...] = ()
    covers_country: bool = False
    more: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoProvider:
    name: str
    area: str
    kind: ProviderKind
    username: str
    full_name: str
    phone: str
    address: str
    services: tuple[DemoService, ...]
    email: str = ""


PROVIDERS = (
    DemoProvider(
        name="Pusat Konseling Keluarga Migran Malang (demo)",
        area="35.07",
        kind=ProviderKind.NGO,
        username="konselor",
        full_name="Julia Anggraini",
        phone="0341 397 001",
        address="Jl. Panglima Sudirman 12, Kepanjen, Kabupaten Malang",
        email="halo@konseling-migran.example",
        services=(
            DemoService(
                ServiceType.COUNSELLING,
                id={
                    "name": "Konseling untuk purna migran dan keluarga",
                    "description": "Bicara dengan konselor tentang kepulangan, keluarga, "
                    "utang atau rasa cemas. Tatap muka atau lewat telepon, rahasia dijaga.",
                    "how_to_apply": "Telepon atau kirim pesan dulu; kami atur waktu bertemu.",
                    "hours": "Senin sampai Sabtu, 08.00 sampai 16.00",
                },
                en={
                    "name": "Counselling for returnees and their families",
                    "description": "Talk to a counsellor about coming home, family, debt or "
                    "worries. In person or by phone, in confidence.",
                    "how_to_apply": "Call or text first; we set a time to meet.",
                    "hours": "Monday to Saturday, 8:00 to 16:00",
                },
                areas=("35.07", "35.05"),
                more={"languages": ("id", "jv", "en")},
            ),
            DemoService(
                ServiceType.TRAUMA_CARE,
                id={
                    "name": "Pendampingan pemulihan trauma",
                    "description": "Pendampingan psikolog bagi yang mengalami kekerasan, "
                    "eksploitasi atau perdagangan orang selama bekerja di luar negeri.",
                    "eligibility": "Dirujuk oleh kantor desa atau dinas, atau datang sendiri.",
                    "how_to_apply": "Telepon kami; pertemuan pertama dalam satu minggu.",
                    "hours": "Dengan janji temu",
                },
                en={
                    "name": "Support to recover from trauma",
                    "description": "A psychologist's support for those who suffered "
                    "violence, exploitation or trafficking while working abroad.",
                    "eligibility": "Referred by a village or district office, or come yourself.",
                    "how_to_apply": "Call us; a first meeting within a week.",
                    "hours": "By appointment",
                },
                areas=("35.07",),
                more={"languages": ("id", "jv"), "capacity": 20},
            ),
        ),
    ),
    DemoProvider(
        name="BLK Komunitas Purna Migran Kepanjen (demo)",
        area="35.07.13",
        kind=ProviderKind.TRAINING_CENTRE,
        username="blk",
        full_name="Kurniawan Hadi",
        phone="0341 395 220",
        address="Jl. Kawi 4, Kepanjen, Kabupaten Malang",
        services=(
            DemoService(
                ServiceType.SKILLS_TRAINING,
                id={
                    "name": "Pelatihan menjahit dan tata boga",
                    "description": "Kursus enam minggu dengan sertifikat: menjahit atau "
                    "memasak untuk usaha. Bahan dan makan siang disediakan.",
                    "eligibility": "Purna migran dan anggota keluarganya.",
                    "how_to_apply": "Daftar di kantor BLK dengan KTP; kelas mulai tiap bulan.",
                    "hours": "Senin sampai Jumat, 08.00 sampai 14.00",
                },
                en={
                    "name": "Sewing and catering training",
                    "description": "A six-week course with a certificate: sewing or cooking "
                    "for a small business. Materials and lunch provided.",
                    "eligibility": "Returnees and members of their families.",
                    "how_to_apply": "Register at the centre with your ID card; classes "
                    "start every month.",
                    "hours": "Monday to Friday, 8:00 to 14:00",
                },
                areas=("ID-JI",),
                more={"languages": ("id", "jv"), "capacity": 30, "min_age": 17},
            ),
            DemoService(
                ServiceType.ENTREPRENEURSHIP_TRAINING,
                id={
                    "name": "Kelas memulai usaha kecil",
                    "description": "Belajar menghitung modal, harga dan pemasaran, lalu "
                    "menyusun rencana usaha bersama pendamping.",
                    "how_to_apply": "Daftar di kantor BLK atau lewat kantor desa.",
                    "hours": "Sabtu, 09.00 sampai 12.00",
                },
                en={
                    "name": "Starting a small business",
                    "description": "Learn to work out capital, prices and marketing, then "
                    "write a business plan with a mentor.",
                    "how_to_apply": "Register at the centre or through your village office.",
                    "hours": "Saturdays, 9:00 to 12:00",
                },
                areas=("35.07",),
                more={"languages": ("id",), "cost": Cost.SUBSIDISED},
            ),
        ),
    ),
    DemoProvider(
        name="Lembaga Bantuan Hukum Migran Jawa Timur (demo)",
        area="ID-JI",
        kind=ProviderKind.LEGAL_AID,
        username="lbh",
        full_name="Maria Ulfa",
        phone="031 599 1144",
        address="Jl. Diponegoro 80, Surabaya",
        email="pengaduan@lbh-migran.example",
        services=(
            DemoService(
                ServiceType.LEGAL_AID,
                id={
                    "name": "Bantuan hukum gratis",
                    "description": "Pengacara membantu kasus penipuan perekrutan, kontrak "
                    "yang dilanggar atau kekerasan, di Indonesia maupun di negara tujuan.",
                    "how_to_apply": "Telepon atau datang; bawa paspor dan kontrak bila ada.",
                    "hours": "Senin sampai Jumat, 09.00 sampai 17.00",
                },
                en={
                    "name": "Free legal aid",
                    "description": "Lawyers help with recruitment fraud, broken contracts "
                    "or violence, in Indonesia and in the destination country.",
                    "how_to_apply": "Call or come in; bring your passport and contract if "
                    "you have them.",
                    "hours": "Monday to Friday, 9:00 to 17:00",
                },
                areas=("ID-JI", "ID-NB"),
                more={"languages": ("id", "jv", "en")},
            ),
            DemoService(
                ServiceType.WAGE_CLAIMS,
                id={
                    "name": "Menuntut gaji yang belum dibayar",
                    "description": "Kami membantu menagih gaji, lembur dan santunan yang "
                    "belum dibayar majikan atau agen, juga setelah Anda pulang.",
                    "eligibility": "Pekerja migran yang pulang dalam tiga tahun terakhir.",
                    "how_to_apply": "Telepon kami; siapkan slip gaji atau pesan dari majikan.",
                },
                en={
                    "name": "Claiming unpaid wages",
                    "description": "We help recover wages, overtime and compensation that "
                    "an employer or agency did not pay, also after you came home.",
                    "eligibility": "Migrant workers who came home in the last three years.",
                    "how_to_apply": "Call us; have pay slips or messages from the employer ready.",
                },
                covers_country=True,
                more={
                    "languages": ("id", "en"),
                    "return_modes": (
                        ReturnMode.VOLUNTARY,
                        ReturnMode.FORCED,
                        ReturnMode.ASSISTED,
                    ),
                },
            ),
        ),
    ),
    DemoProvider(
        name="Koperasi Purna Migran Sejahtera Lombok Timur (demo)",
        area="52.03",
        kind=ProviderKind.MICRO_FINANCE,
        username="koperasi",
        full_name="Lalu Hendra",
        phone="0376 21 450",
        address="Jl. Pahlawan 7, Selong, Lombok Timur",
        services=(
            DemoService(
                ServiceType.MICRO_CREDIT,
                id={
                    "name": "Pinjaman modal usaha purna migran",
                    "description": "Pinjaman kecil tanpa agunan untuk memulai atau "
                    "memperbesar usaha, dengan cicilan ringan dan pendampingan.",
                    "eligibility": "Anggota koperasi; menjadi anggota cukup dengan simpanan pokok.",
                    "how_to_apply": "Datang ke kantor koperasi dengan KTP dan rencana usaha.",
                    "hours": "Senin sampai Sabtu, 08.00 sampai 15.00",
                    "cost_note": "Jasa pinjaman 1% per bulan.",
                },
                en={
                    "name": "Business loans for returnees",
                    "description": "Small loans without collateral to start or grow a "
                    "business, with light instalments and a mentor.",
                    "eligibility": "Members of the cooperative; joining takes a small deposit.",
                    "how_to_apply": "Come to the cooperative with your ID card and business plan.",
                    "hours": "Monday to Saturday, 8:00 to 15:00",
                    "cost_note": "Interest of 1% a month.",
                },
                areas=("52.03",),
                more={"languages": ("id",), "cost": Cost.PAID, "min_age": 18},
            ),
            DemoService(
                ServiceType.FINANCIAL_LITERACY,
                id={
                    "name": "Kelas mengelola uang keluarga",
                    "description": "Belajar mengatur kiriman uang, menabung dan keluar dari "
                    "utang, bersama keluarga.",
                    "how_to_apply": "Datang saja; kelas tiap Kamis sore.",
                    "hours": "Kamis, 15.00 sampai 17.00",
                },
                en={
                    "name": "Managing the family's money",
                    "description": "Learn to plan remittances, save and get out of debt, "
                    "together with your family.",
                    "how_to_apply": "Just come; classes every Thursday afternoon.",
                    "hours": "Thursdays, 15:00 to 17:00",
                },
                areas=("52.03",),
                more={"languages": ("id",)},
            ),
        ),
    ),
)


def _actor_of(username: str) -> Actor:
    user = user_get_by_username(username=username)
    membership = membership_list_for_user(user=user).first() if user is not None else None
    if user is None or membership is None:
        raise DemoRefused("Run `pulang demo_setup` first: the demo users are missing.")
    return Actor(user=user, membership=membership)  # type: ignore[arg-type]


def _entry(provider: DemoProvider, service: DemoService) -> EntryInput:
    more = dict(service.more)
    return EntryInput(
        provider_kind=provider.kind,
        service_type=service.service_type,
        texts={"id": service.id, "en": service.en},
        covers_country=service.covers_country,
        areas=service.areas,
        phone=provider.phone,
        email=provider.email,
        address=provider.address,
        cost=more.pop("cost", Cost.FREE),
        **more,
    )


def demo_services() -> list[str]:
    """Create the demo providers, their users and their published services (those not
    there yet). Returns the provider users' usernames."""
    if not (settings.DEBUG or settings.PULANG_DEMO):
        # Known passwords must never reach a real deployment.
        raise DemoRefused("Demo users are created only with PULANG_DEMO=true or PULANG_DEBUG=true.")
    approver = _actor_of(APPROVER)
    indonesia = country_list().get(code="ID")
    with transaction.atomic():
        for spec in PROVIDERS:
            organisation = organisation_get_by_name(name=spec.name)
            if organisation is None:
                organisation = organisation_create(
                    actor=None,
                    name=spec.name,
                    kind=OrganisationKind.SERVICE_PROVIDER,
                    country=indonesia,
                    area=area_get(country_code="ID", code=spec.area),
                )
            user = user_get_by_username(username=spec.username)
            if user is None:
                user = user_create(
                    username=spec.username,
                    password=DEMO_PASSWORD,
                    full_name=spec.full_name,
                    language="id",
                )
            if not membership_exists(
                user_id=user.pk, organisation_id=organisation.pk, role=Role.PROVIDER_STAFF
            ):
                membership_create(
                    actor=None,
                    user=user,  # type: ignore[arg-type]
                    organisation=organisation,
                    role=Role.PROVIDER_STAFF,
                )
            keeper = _actor_of(spec.username)
            listed = {item.service.name for item in services_of_provider(actor=keeper)}
            for service in spec.services:
                if service.id["name"] in listed:
                    continue
                change = service_propose(actor=keeper, entry=_entry(spec, service))
                service_change_decide(actor=approver, change_id=change.pk, approve=True)
    return [spec.username for spec in PROVIDERS]
