"""The assessment pages: filling in a questionnaire (skip logic, errors on their
questions, nothing saved on a problem), the result, a person's assessments; who may see
them, who gets "not found"."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pulang.assessments.models import Assessment
from pulang.assessments.services import LoadReport, assessment_record
from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.models import Person
from tests.assessments.page_helpers import (
    SCREEN_WOMAN,
    URGENT_MEDICAL,
    URGENT_RESTRICTED,
    budi,
    load_small,
    posted,
)
from tests.conftest import signed_in
from tests.factories import PASSWORD, World, person


def new_url(person: Person, instrument: str = "vulnerability_screen") -> str:
    base = reverse("assessments:new", args=[person.pk])
    return f"{base}?instrument={instrument}&return={person.returns.get().pk}"


def record(
    actor: Actor,
    person: Person,
    answers: dict[str, Any] = SCREEN_WOMAN,
    instrument: str = "vulnerability_screen",
) -> Assessment:
    return assessment_record(
        actor=actor,
        person_id=person.pk,
        return_id=person.returns.get().pk,
        instrument=instrument,
        answers=answers,
    )


def denials() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- filling in -------------------------------------------------------------------------


def test_a_village_officer_fills_in_the_screen_and_sees_the_result(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    page = signed_in(client, village_officer).get(new_url(returnee_home))
    assert page.status_code == 200
    assert page.context["setting_label"] == "At home"
    sections = page.context["sections"]
    assert [s.id for s in sections] == ["return", "work", "health", "safety", "wellbeing"]
    saved = client.post(new_url(returnee_home), posted(URGENT_MEDICAL))
    assessment = Assessment.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("assessments:detail", args=[assessment.pk])
    assert (assessment.priority, assessment.setting, assessment.assessed_by_id) == (
        "urgent",
        "home",
        village_officer.user.pk,
    )
    assert assessment.answers == URGENT_MEDICAL
    result = client.get(saved["Location"])
    assert result.status_code == 200
    body = text(result)
    assert "The assessment has been recorded." in body
    assert "<strong>Urgent because: needs a doctor now</strong>" in body
    assert "An urgent or high priority opens a case for this return" in body
    services = [s.service_label for s in result.context["result"].services]
    assert services[0] == "Emergency medical care"


def test_a_consular_officer_screens_a_worker_abroad(
    client: Client, instruments: LoadReport, worker_abroad: Person, consular_officer: Actor
) -> None:
    page = signed_in(client, consular_officer).get(new_url(worker_abroad))
    assert page.context["setting_label"] == "Abroad, at a consular post"
    saved = client.post(new_url(worker_abroad), posted(SCREEN_WOMAN))
    assessment = Assessment.objects.get()
    assert saved.status_code == 302
    assert (assessment.setting, assessment.organisation_id) == (
        "abroad",
        consular_officer.organisation.pk,
    )
    result = client.get(saved["Location"])
    assert "<dt>Where</dt><dd>Abroad, at a consular post</dd>" in text(result)


def test_the_form_has_the_input_each_answer_type_needs(
    client: Client, tmp_path: Path, world: World, returnee_home: Person, village_officer: Actor
) -> None:
    load_small(tmp_path)
    page = signed_in(client, village_officer).get(new_url(returnee_home, "small"))
    body = text(page)
    assert re.search(
        r'<input type="number" name="q-months_abroad" step="1" inputmode="numeric" '
        r'min="0" max="600"[^>]*>',
        body,
    )
    assert re.search(r'<input type="date" name="q-arrived_on" max="\d{4}-\d\d-\d\d"', body)
    assert '<input type="text" name="q-note" maxlength="10"' in body
    screen = text(client.get(new_url(returnee_home)))
    # Yes/no radios, with "prefers not to say" only where the question allows it.
    assert 'name="q-injured" value="declined"' not in screen
    assert 'name="q-self_harm_thoughts" value="declined"' in screen
    assert 'type="checkbox" name="q-work_indicators" value="debt_bondage"' in screen
    assert 'type="radio" name="q-distress" value="often"' in screen


def test_the_skip_logic_goes_to_the_page_as_the_instrument_has_it(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    page = signed_in(client, village_officer).get(new_url(returnee_home))
    questions = {q.id: q for s in page.context["sections"] for q in s.questions}
    assert json.loads(questions["injury_needs_care_now"].show_if) == {
        "answer": "injured",
        "equals": True,
    }
    assert questions["injured"].show_if == ""
    assert json.loads(questions["work_indicators"].exclusive) == ["none"]
    body = page.content.decode()
    assert 'data-show-if="{&quot;answer&quot;:&quot;injured&quot;,&quot;equals&quot;:true}"' in body
    assert '<script id="assessment-facts" type="application/json">{"sex": "F", "age": ' in body
    assert 'src="/static/pulang/assessment-form.js" defer' in body


def test_questions_the_persons_facts_rule_out_are_left_out(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    man = budi(village_officer)
    page = signed_in(client, village_officer).get(new_url(man))
    fields = set(page.context["form"].fields)
    # Pregnancy is not asked of a man (nor its follow-up), a guardian not of an adult.
    assert {"pregnant", "pregnancy_care", "guardian_present"} & fields == set()
    woman = client.get(new_url(returnee_home)).context["form"].fields
    assert {"pregnant", "pregnancy_care"} <= set(woman)
    saved = client.post(new_url(man), posted(SCREEN_WOMAN | {"pregnant": ""}))
    assert saved.status_code == 302


def test_a_missing_answer_is_named_on_its_question_and_nothing_is_saved(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    answers = {k: v for k, v in URGENT_MEDICAL.items() if k != "safe_place"}
    page = signed_in(client, village_officer).post(new_url(returnee_home), posted(answers))
    assert page.status_code == 200
    assert Assessment.objects.count() == 0
    assert page.context["form"].errors == {"safe_place": ["this question needs an answer"]}
    body = text(page)
    assert (
        '<small class="field-error" id="q-safe_place-error">this question needs an answer'
        "</small>" in body
    )
    assert '<a href="#question-safe_place">' in body
    # What was entered stays.
    assert re.search(r'name="q-injured" value="yes" id="id_q-injured_0"[^>]* checked', body)
    assert re.search(r'value="never" id="id_q-distress_0"[^>]* checked', body)


def test_a_number_out_of_range_is_named_and_nothing_is_saved(
    client: Client, tmp_path: Path, world: World, returnee_home: Person, village_officer: Actor
) -> None:
    load_small(tmp_path)
    url = new_url(returnee_home, "small")
    page = signed_in(client, village_officer).post(
        url, {"version": "1", "q-months_abroad": "700", "q-arrived_on": "2025-03-02"}
    )
    assert Assessment.objects.count() == 0
    assert page.context["form"].errors == {"months_abroad": ["give a number from 0 to 600"]}
    body = text(page)
    assert "give a number from 0 to 600" in body
    assert 'aria-describedby="q-months_abroad-error"' in body
    assert 'value="700"' in body
    words = client.post(url, {"version": "1", "q-months_abroad": "many"})
    assert words.context["form"].errors == {"months_abroad": ["give a number"]}
    saved = client.post(url, {"version": "1", "q-months_abroad": "72", "q-note": "ok"})
    assert saved.status_code == 302
    assert Assessment.objects.get().answers == {"months_abroad": 72, "note": "ok"}


def test_answers_to_questions_that_do_not_apply_are_dropped(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    # Without the script every question shows: the follow-up was answered anyway.
    answers = {**SCREEN_WOMAN, "migration_debt": False, "debt_pressure": True}
    saved = signed_in(client, village_officer).post(new_url(returnee_home), posted(answers))
    assessment = Assessment.objects.get()
    assert "debt_pressure" not in assessment.answers
    assert assessment.result["dropped_answers"] == ["debt_pressure"]
    assert assessment.priority == "low"
    result = text(client.get(saved["Location"]))
    assert (
        "left out because an earlier answer made these questions not apply:</small></p> "
        '<ul class="dropped-answers"><li><small>Is someone threatening you or your family '
        "over this debt" in result
    )


def test_the_chooser_offers_the_current_questionnaires(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    url = reverse("assessments:new", args=[returnee_home.pk])
    page = signed_in(client, village_officer).get(url)
    assert [i.code for i in page.context["instruments"]] == [
        "needs_assessment",
        "vulnerability_screen",
    ]
    assert f'name="return" value="{returnee_home.returns.get().pk}"' in text(page)
    unknown = client.get(f"{url}?instrument=wellness_quiz")
    assert unknown.templates[0].name == "assessments/choose.html"
    assert "Choose one of the questionnaires and one of the person's returns." in text(unknown)


# --- the result -------------------------------------------------------------------------


def test_the_result_reads_in_indonesian_for_an_indonesian_user(
    client: Client, world: World, instruments: LoadReport, returnee_home: Person
) -> None:
    eka = person(world.village, Role.CASE_WORKER, username="eka", language="id")
    assessment = record(eka, returnee_home, URGENT_MEDICAL)
    signed = client.post(reverse("accounts:login"), {"username": "eka", "password": PASSWORD})
    assert signed.status_code == 302
    page = client.get(reverse("assessments:detail", args=[assessment.pk]))
    assert page.status_code == 200
    assert page.context["LANGUAGE_CODE"] == "id"
    sentence = page.context["result"].sentence
    assert sentence.endswith(": perlu dokter sekarang")
    body = text(page)
    assert f"<strong>{sentence}</strong>" in body
    assert "needs a doctor now" not in body
    assert "<h1>Penapisan cepat kerentanan</h1>" in body
    assert "<dt>Apakah Anda terluka, atau pernah cedera saat bekerja?</dt>" in body


def test_a_reassessment_links_the_one_before(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    first = record(village_officer, returnee_home, URGENT_MEDICAL)
    second = record(village_officer, returnee_home)
    page = signed_in(client, village_officer).get(reverse("assessments:detail", args=[second.pk]))
    assert page.context["previous"] == first
    assert f'<a href="/assessments/{first.pk}/" rel="prev">' in text(page)
    form = client.get(new_url(returnee_home))
    assert form.context["earlier"] == second


def test_a_restricted_assessment_is_not_found_without_clearance(
    client: Client,
    instruments: LoadReport,
    returnee_home: Person,
    village_officer: Actor,
    district_supervisor: Actor,
) -> None:
    restricted = record(district_supervisor, returnee_home, URGENT_RESTRICTED)
    plain = record(district_supervisor, returnee_home)
    url = reverse("assessments:detail", args=[restricted.pk])
    before = denials()
    assert signed_in(client, village_officer).get(url).status_code == 404
    assert denials() == before + 1
    listed = client.get(reverse("assessments:person", args=[returnee_home.pk]))
    assert [row.assessment.pk for row in listed.context["rows"]] == [plain.pk]
    supervisor = signed_in(Client(), district_supervisor).get(url)
    assert supervisor.status_code == 200
    assert "Restricted assessment: do not share" in text(supervisor)
    assert (
        AuditEvent.objects.filter(
            action="assessments.viewed", subject_id=str(restricted.pk)
        ).count()
        == 1
    )


# --- a person's assessments -------------------------------------------------------------


def test_a_persons_assessments_newest_first_with_a_pinned_number_of_queries(
    client: Client,
    instruments: LoadReport,
    returnee_home: Person,
    village_officer: Actor,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    url = reverse("assessments:person", args=[returnee_home.pk])
    first = record(village_officer, returnee_home, URGENT_MEDICAL)
    signed_in(client, village_officer).get(url)  # sessions and caches warm
    # Session, user, membership, person, their organisation links, returns, assessments,
    # and the memberships the page header offers to switch between.
    with django_assert_num_queries(8):
        client.get(url)
    more = [record(village_officer, returnee_home) for _ in range(3)]
    with django_assert_num_queries(8):
        page = client.get(url)
    assert [row.assessment.pk for row in page.context["rows"]] == [
        *(a.pk for a in reversed(more)),
        first.pk,
    ]
    body = text(page)
    assert "Urgent because: needs a doctor now" in body
    assert f'href="{reverse("assessments:new", args=[returnee_home.pk])}"' in body
    part = client.get(url, HTTP_HX_REQUEST="true")
    assert part.content.decode().startswith('<ol class="timeline assessment-timeline"')


# --- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "analyst", "provider_staff", "consular_officer"])
def test_others_get_not_found_and_nothing_is_saved(
    persona: str,
    request: pytest.FixtureRequest,
    client: Client,
    instruments: LoadReport,
    returnee_home: Person,
    village_officer: Actor,
) -> None:
    assessment = record(village_officer, returnee_home)
    actor: Actor = request.getfixturevalue(persona)
    signed_in(client, actor)
    pages = [
        reverse("assessments:person", args=[returnee_home.pk]),
        new_url(returnee_home),
        reverse("assessments:detail", args=[assessment.pk]),
    ]
    assert [client.get(url).status_code for url in pages] == [404, 404, 404]
    assert client.post(new_url(returnee_home), posted(SCREEN_WOMAN)).status_code == 404
    assert list(Assessment.objects.values_list("pk", flat=True)) == [assessment.pk]


def test_signed_out_users_are_sent_to_sign_in(
    client: Client, instruments: LoadReport, returnee_home: Person
) -> None:
    response = client.get(new_url(returnee_home))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
