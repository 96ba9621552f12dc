"""The referral pages: from the case to a sent referral, the provider's inbox and steps,
the figures, and the returnee's feedback with their code; each with the persona who may
and one who may not."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pulang.cases.models import Case, PlanAction
from pulang.orgs.actor import Actor
from pulang.referrals.models import Referral, Service
from pulang.referrals.services.referrals import referral_send, referral_step
from pulang.registry.services import consent_withdraw
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

NOTE = "Needs counselling after a hard return."


def sent(case: Case, service: Service, actor: Actor, action: PlanAction | None = None) -> Referral:
    return referral_send(
        actor=actor,
        case_id=case.pk,
        service_id=service.pk,
        shared_note=NOTE,
        action_id=action.pk if action else None,
    )


def test_from_the_case_page_to_a_sent_referral(
    client: Client,
    case: Case,
    action: PlanAction,
    counselling: Service,
    village_officer: Actor,
) -> None:
    office = signed_in(client, village_officer)
    page = office.get(reverse("cases:case", args=[case.pk]))
    assert b'id="referrals"' in page.content
    assert b"Find a service" in page.content
    found = office.get(
        reverse("referrals:find", args=[case.pk]),
        {"service_type": "counselling", "action": action.pk},
    )
    assert found.status_code == 200
    assert [row["service"].pk for row in found.context["rows"]] == [counselling.pk]
    assert b"offered in the area around the returnee" in found.content
    form = office.get(
        reverse("referrals:send", args=[case.pk]), {"service": counselling.pk, "action": action.pk}
    )
    assert b"Given on" in form.content  # the consent
    assert "override_reason" not in form.context["form"].fields
    empty = office.post(
        reverse("referrals:send", args=[case.pk]),
        {"service": counselling.pk, "action": action.pk, "shared_note": ""},
    )
    assert empty.status_code == 422
    assert Referral.objects.count() == 0
    done = office.post(
        reverse("referrals:send", args=[case.pk]),
        {"service": counselling.pk, "action": action.pk, "shared_note": NOTE},
    )
    assert done.status_code == 302
    assert done["Location"].endswith(f"/cases/{case.pk}/#referrals")
    referral = Referral.objects.get()
    assert (referral.action_id, referral.status) == (action.pk, "sent")
    assert NOTE.encode() in office.get(reverse("referrals:referral", args=[referral.pk])).content


def test_without_consent_the_case_worker_is_told_and_nothing_is_sent(
    client: Client, case: Case, counselling: Service, village_officer: Actor
) -> None:
    consent_withdraw(actor=village_officer, person_id=case.person_id, purpose="referral_sharing")
    office = signed_in(client, village_officer)
    form = office.get(reverse("referrals:send", args=[case.pk]), {"service": counselling.pk})
    assert b"Record the returnee's consent on their page first" in form.content
    refused = office.post(
        reverse("referrals:send", args=[case.pk]),
        {"service": counselling.pk, "shared_note": NOTE},
    )
    assert refused.status_code == 422
    assert b"has not agreed to share" in refused.content
    assert Referral.objects.count() == 0


def test_an_outsider_finds_no_case_to_refer_from(
    client: Client, case: Case, counselling: Service, outsider: Actor
) -> None:
    office = signed_in(client, outsider)
    assert office.get(reverse("referrals:find", args=[case.pk])).status_code == 404
    assert (
        office.post(
            reverse("referrals:send", args=[case.pk]),
            {"service": counselling.pk, "shared_note": NOTE},
        ).status_code
        == 404
    )
    assert Referral.objects.count() == 0


def test_the_provider_answers_from_the_inbox(
    client: Client,
    case: Case,
    counselling: Service,
    village_officer: Actor,
    provider_staff: Actor,
) -> None:
    referral = sent(case, counselling, village_officer)
    provider = signed_in(client, provider_staff)
    inbox = provider.get(reverse("referrals:inbox"))
    assert [row["view"].referral.pk for row in inbox.context["rows"]] == [referral.pk]
    page = provider.get(reverse("referrals:inbox_referral", args=[referral.pk]))
    assert NOTE.encode() in page.content
    assert b"Siti Aminah binti Sukarno" in page.content
    assert f"/cases/{case.pk}/".encode() not in page.content  # nothing of the case
    missing_reason = provider.post(
        reverse("referrals:step", args=[referral.pk, "decline"]),
        {"expected_version": 1, "reason": ""},
    )
    assert missing_reason.status_code == 422
    accepted = provider.post(
        reverse("referrals:step", args=[referral.pk, "accept"]), {"expected_version": 1}
    )
    assert accepted.status_code == 302
    no_outcome = provider.post(
        reverse("referrals:step", args=[referral.pk, "complete"]),
        {"expected_version": 2, "outcome": ""},
    )
    assert no_outcome.status_code == 422
    completed = provider.post(
        reverse("referrals:step", args=[referral.pk, "complete"]),
        {"expected_version": 2, "outcome": "achieved", "note": "Six sessions"},
    )
    assert completed.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_note) == ("completed", "Six sessions")


def test_the_case_worker_may_not_answer_for_the_provider(
    client: Client, case: Case, counselling: Service, village_officer: Actor
) -> None:
    referral = sent(case, counselling, village_officer)
    office = signed_in(client, village_officer)
    assert office.get(reverse("referrals:inbox_referral", args=[referral.pk])).status_code == 404
    assert (
        office.post(
            reverse("referrals:step", args=[referral.pk, "accept"]), {"expected_version": 1}
        ).status_code
        == 404
    )
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_figures_page_for_a_supervisor_not_for_a_case_worker(
    client: Client,
    case: Case,
    counselling: Service,
    village_officer: Actor,
    district_supervisor: Actor,
) -> None:
    sent(case, counselling, village_officer)
    page = signed_in(client, district_supervisor).get(reverse("referrals:figures"))
    assert [(r.label, r.sent) for r in page.context["funnel"]] == [("Malang counselling NGO", 1)]
    assert signed_in(Client(), village_officer).get(reverse("referrals:figures")).status_code == 404


def test_the_returnee_rates_a_service_with_the_registration_code(
    client: Client, world: object, village_officer: Actor, provider_staff: Actor
) -> None:
    from tests.referrals.helpers import self_registered_case

    case, code, service = self_registered_case(village_officer)
    referral = sent(case, service, village_officer)
    public = Client()
    nothing = public.post(reverse("feedback:feedback"), {"reference_code": code})
    assert nothing.context["rows"] == []  # not started yet: nothing to rate
    referral = referral_step(
        actor=provider_staff, referral_id=referral.pk, expected_version=1, step="accept"
    )
    referral_step(actor=provider_staff, referral_id=referral.pk, expected_version=2, step="start")
    unknown = public.post(reverse("feedback:feedback"), {"reference_code": "ZZZZZZZZ"})
    assert unknown.status_code == 404
    listed = public.post(reverse("feedback:feedback"), {"reference_code": code.lower()})
    assert [row["referral"].pk for row in listed.context["rows"]] == [referral.pk]
    assert b"Siti" not in listed.content and b"Sri" not in listed.content
    wrong = public.post(
        reverse("feedback:feedback"),
        {"reference_code": code, "referral": referral.pk, "satisfaction": "9"},
    )
    assert wrong.status_code == 422
    rated = public.post(
        reverse("feedback:feedback"),
        {"reference_code": code, "referral": referral.pk, "satisfaction": "5", "comment": "Kind"},
    )
    assert rated.context["rated"] is True
    referral.refresh_from_db()
    assert (referral.satisfaction, referral.feedback, referral.feedback_via) == (
        5,
        "Kind",
        "returnee",
    )


def test_marking_a_reminder_seen_goes_back_but_never_to_another_site(
    client: Client,
    case: Case,
    counselling: Service,
    village_officer: Actor,
    provider_staff: Actor,
    settings: object,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from pulang.referrals.models import Reminder
    from pulang.referrals.services.referrals import reminders_send

    sent(case, counselling, village_officer)
    assert reminders_send(now=timezone.now() + dt.timedelta(days=30)) == 2
    mine = Reminder.objects.get(recipient="case_worker")
    theirs = Reminder.objects.get(recipient="provider")
    office = signed_in(client, village_officer)
    away = office.post(
        reverse("referrals:reminder_seen", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert away["Location"] == reverse("referrals:home")
    mine.refresh_from_db()
    assert mine.seen_at is not None
    # The provider's reminder is not the case worker's to mark.
    assert office.post(reverse("referrals:reminder_seen", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.seen_at is None
    back = signed_in(Client(), provider_staff).post(
        reverse("referrals:reminder_seen", args=[theirs.pk]), {"next": "/referrals/inbox/"}
    )
    assert back["Location"] == "/referrals/inbox/"
