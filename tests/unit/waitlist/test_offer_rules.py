"""The offer pass's rules, pure (receptionist.reminders.waitlist_jobs): which slot, until when,
whether a claimed offer may be sent, and as what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from receptionist.crm.models import Slot
from receptionist.crm.waitlist import day_part_of, fits_day_part
from receptionist.crm.waitlist_offers import Offer, OfferContent, Opening
from receptionist.reminders.waitlist_jobs import (
    offer_expiry,
    offer_job,
    pick_slot,
    postback_text,
    unsendable,
)

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)
MEMBER = "m-1"


def _opening(starts: datetime, minutes: int = 30, member: str = MEMBER) -> Opening:
    return Opening(1, "org", member, starts, starts + timedelta(minutes=minutes), "cancelled", NOW, None)


def _slot(starts: datetime, member: str = MEMBER) -> Slot:
    return Slot(member, "Ana", starts.astimezone(MADRID), (starts + timedelta(minutes=30)).astimezone(MADRID))


def _content(**kw: object) -> OfferContent:
    base = OfferContent(
        business="Clínica Sol",
        app_name="App1",
        customer_number="34600000001",
        customer_name="Lucía",
        last_inbound_at=NOW - timedelta(hours=2),
        opted_out=False,
        entry_status="waiting",
        service="Limpieza",
        member="Ana",
        starts_at=datetime(2031, 3, 10, 16, 30, tzinfo=UTC),
        expires_at=NOW + timedelta(minutes=30),
        timezone="Europe/Madrid",
        language="es",
        template_id="hueco_libre",
        template_params=["customer_name", "service", "when"],
        template_body="Hola {{1}}, hay un hueco de {{2}} el {{3}}.",
        template_usable=True,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


OFFER = Offer(
    "11111111-1111-1111-1111-111111111111", "org", "e", 1, MEMBER, "s", NOW, NOW, "tok" * 8, "claimed", NOW, NOW
)


@pytest.mark.parametrize(
    ("local", "part"),
    [(time(9, 0), "morning"), (time(13, 59), "morning"), (time(14, 0), "afternoon"), (time(17, 59), "afternoon"),
     (time(18, 0), "evening"), (time(23, 30), "evening")],
)  # fmt: skip
def test_the_parts_of_the_day_split_at_14_and_18_local(local: time, part: str) -> None:
    assert day_part_of(local) == part
    assert fits_day_part(part, datetime.combine(NOW.date(), local, tzinfo=MADRID))
    assert fits_day_part("any", datetime.combine(NOW.date(), local, tzinfo=MADRID))


def test_an_offer_lasts_its_minutes_but_never_into_the_lead_time() -> None:
    far = NOW + timedelta(hours=6)
    assert offer_expiry(NOW, far, 30, 60) == NOW + timedelta(minutes=30)
    near = NOW + timedelta(minutes=80)  # bookable until 20 minutes from now
    assert offer_expiry(NOW, near, 30, 60) == NOW + timedelta(minutes=20)
    assert offer_expiry(NOW, NOW + timedelta(minutes=65), 30, 60) == NOW + timedelta(minutes=5)
    assert offer_expiry(NOW, NOW + timedelta(minutes=64), 30, 60) is None  # less than 5 minutes to answer


def test_the_slot_is_the_earliest_free_one_starting_in_the_opening_and_the_part_of_the_day() -> None:
    opening = _opening(datetime(2031, 3, 10, 12, 45, tzinfo=UTC), minutes=60)  # 13:45-14:45 in Madrid
    slots = [
        _slot(datetime(2031, 3, 10, 12, 30, tzinfo=UTC)),  # starts before the opening
        _slot(datetime(2031, 3, 10, 12, 45, tzinfo=UTC)),  # 13:45 local: morning
        _slot(datetime(2031, 3, 10, 13, 0, tzinfo=UTC)),  # 14:00 local: afternoon
        _slot(datetime(2031, 3, 10, 12, 45, tzinfo=UTC), member="m-2"),  # another member's
        _slot(datetime(2031, 3, 10, 13, 45, tzinfo=UTC)),  # starts when the opening ends
    ]
    picked = pick_slot(slots, opening, "any", NOW, 30, 60)
    assert picked is not None and picked[0] == slots[1] and picked[1] == NOW + timedelta(minutes=30)
    afternoon = pick_slot(slots, opening, "afternoon", NOW, 30, 60)
    assert afternoon is not None and afternoon[0] == slots[2]
    assert pick_slot(slots, opening, "evening", NOW, 30, 60) is None


def test_a_slot_too_close_to_offer_gives_way_to_a_later_one() -> None:
    opening = _opening(NOW + timedelta(minutes=60), minutes=30)
    slots = [_slot(NOW + timedelta(minutes=60)), _slot(NOW + timedelta(minutes=75))]
    picked = pick_slot(slots, opening, "any", NOW, 30, 60)
    assert picked is not None and picked[0] == slots[1] and picked[1] == NOW + timedelta(minutes=15)


def test_inside_the_window_a_session_message_with_two_buttons() -> None:
    job = offer_job(OFFER, _content(), NOW)
    assert job.template_id is None and job.job_id == f"offer#waitlist:{OFFER.id}"
    assert [c.id for c in job.choices] == [postback_text(OFFER.token, "accept"), postback_text(OFFER.token, "decline")]
    assert [c.title for c in job.choices] == ["Lo quiero", "No, gracias"]
    # The slot in the business's time (16:30 UTC is 17:30 in Madrid) and the minutes left to answer.
    assert "Limpieza con Ana el lunes 10 de marzo a las 17:30" in (job.text or "") and "30 minutos" in (job.text or "")
    english = offer_job(OFFER, _content(language="en"), NOW)
    assert [c.title for c in english.choices] == ["I'll take it", "No, thanks"]
    assert "Would you like it?" in (english.text or "")


def test_the_session_offer_is_in_the_customers_language_the_template_values_in_the_templates() -> None:
    brazilian = _content(customer_language="pt_BR")  # a Brazilian customer of a Spanish business
    job = offer_job(OFFER, brazilian, NOW)
    assert [c.title for c in job.choices] == ["Eu quero", "Não, obrigado"]
    assert job.text == (
        "Olá, Lucía! Vagou um horário que você esperava: Limpieza com Ana em segunda-feira, 10 de março, às 17:30."
        " Você quer? Guardamos por 30 minutos; fica com ele quem aceitar primeiro."
    )
    english = offer_job(OFFER, _content(customer_language="en"), NOW)
    assert "Limpieza with Ana on Monday, March 10 at 5:30\u202fPM." in (english.text or "")
    # The approved template is the business's (Spanish): its values stay in its language.
    assert brazilian.values(NOW)["when"] == "10/03/2031 a las 17:30"


def test_near_the_end_of_the_window_the_template_with_quick_replies() -> None:
    content = _content(last_inbound_at=NOW - timedelta(hours=23, minutes=55))
    job = offer_job(OFFER, content, NOW)
    assert (job.template_id, job.choices) == ("hueco_libre", [])
    assert job.params == ["Lucía", "Limpieza", "10/03/2031 a las 17:30"]
    assert job.text == "Hola Lucía, hay un hueco de Limpieza el 10/03/2031 a las 17:30."
    assert job.postbacks == [postback_text(OFFER.token, a) for a in ("accept", "decline")]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"entry_status": "withdrawn"}, "entry_closed"),
        ({"taken": True}, "taken"),
        ({"app_name": ""}, "no_app"),
        ({"has_identity": False}, "no_conversation"),
        ({"opted_out": True}, "opted_out"),
        ({"last_inbound_at": None, "template_id": None}, "no_template"),
        ({"last_inbound_at": NOW - timedelta(days=2), "template_usable": False}, "no_template"),
        ({"last_inbound_at": NOW - timedelta(days=2)}, None),  # the template
        ({"template_id": None}, None),  # inside the window no template is needed
    ],
)
def test_when_a_claimed_offer_is_not_sent(change: dict[str, object], why: str | None) -> None:
    assert unsendable(_content(**change), NOW) == why
    assert unsendable(None, NOW) == "gone"
