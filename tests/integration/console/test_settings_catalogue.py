"""Services and knowledge entries in the settings on their real parts: created, edited, withdrawn,
and what customers and the assistant then find in the CRM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_kit import Console
from settings_kit import (
    audit,
    business,
    post,
)

from receptionist.crm import catalogue
from receptionist.crm.connection import Database


@pytest.fixture
def crm(app_url: str) -> Iterator[Database]:
    database = Database(app_url)
    yield database
    database.close()


def test_a_service_and_a_knowledge_entry_are_created_and_show_in_the_crm(console: Console, crm: Database) -> None:
    org = business(console)
    client = console.signed_in(org)
    services = "/console/settings/services"
    answer = post(
        client,
        services,
        services,
        name="Limpieza exprés",
        description="Limpieza rápida con ultrasonidos.",
        duration_minutes="20",
        price="19,90",
        currency="eur",
        bookable="on",
    )
    assert answer.status_code == 303, answer.text
    with crm.acting_for(org):
        [service] = catalogue.list_services(crm, org)
        found = catalogue.knowledge_search(crm, org, "limpieza expres")  # by text, before any embedding
    assert (service.name, service.duration_minutes, service.price_cents, service.currency, service.bookable) == (
        "Limpieza exprés",
        20,
        1990,
        "EUR",
        True,
    )
    assert found and found[0].id == service.id
    page = client.get(services)
    assert "Limpieza exprés" in page.text and "receptionist.ops.reembed" in page.text

    # Edited (price on request, not bookable), then withdrawn: customers no longer see it.
    one = f"{services}/{service.id}"
    assert client.get(one).status_code == 200
    answer = post(client, one, one, name="Limpieza exprés", duration_minutes="25", price="", currency="EUR")
    assert answer.status_code == 303
    with crm.acting_for(org):
        edited = catalogue.get_service(crm, org, service.id)
    assert edited is not None and (edited.duration_minutes, edited.price_cents, edited.bookable) == (25, None, False)
    assert post(client, f"{one}/active", services).status_code == 303
    with crm.acting_for(org):
        assert catalogue.list_services(crm, org) == []
    # A second service of the same name is refused readably.
    answer = post(client, services, services, name="Limpieza exprés", duration_minutes="20", currency="EUR")
    assert answer.status_code == 400 and "Ya hay un servicio con ese nombre." in answer.text

    knowledge = "/console/settings/knowledge"
    answer = post(client, knowledge, knowledge, title="Aparcamiento", body="Hay parking gratuito en la calle de atrás.")
    assert answer.status_code == 303
    with crm.acting_for(org):
        [entry] = catalogue.catalogue(crm, org).entries
    assert (entry.title, entry.body) == ("Aparcamiento", "Hay parking gratuito en la calle de atrás.")
    answer = post(client, f"{knowledge}/{entry.id}", f"{knowledge}/{entry.id}", title="Parking", body="Gratis.")
    assert answer.status_code == 303
    assert post(client, f"{knowledge}/{entry.id}/delete", knowledge).status_code == 303
    with crm.acting_for(org):
        assert catalogue.catalogue(crm, org).entries == []
    assert [a for _, a, _ in audit(console, org)] == [
        "settings_service_create",
        "settings_service_update",
        "settings_service_active",
        "settings_entry_create",
        "settings_entry_update",
        "settings_entry_delete",
    ]
