"""What the CRM holds about one customer of one business, for the customer export
(receptionist.privacy.export): one statement, so the document is one consistent snapshot (a
message arriving meanwhile is either wholly in it or not at all), run for the business under
row level security, every part also filtered by the business.

The customer is their WhatsApp number: their conversation (chat identity) at the business, and
their contacts there (the one with that number, and the one the conversation is linked to).
Appointments are the contacts'; messages, escalations and the assistant's summary the
conversation's. Anything of another business, or of another customer of this one, is outside
every part's filter."""

from __future__ import annotations

from typing import Any

from receptionist.crm.connection import Database
from receptionist.privacy.export import CustomerRecords
from receptionist.privacy.export_document import (
    Appointment,
    AssistantSummary,
    Business,
    ConsentRecord,
    Contact,
    Conversation,
    Escalation,
    Message,
    Recall,
    WaitlistEntry,
)

# One round trip. Each part is a json value (PostgreSQL renders timestamptz as ISO 8601; the
# connection's TimeZone is UTC), validated into the document's models.
_CUSTOMER = """
with identity as (
    select i.* from chat_identities i
    where i.organization_id = %(org)s and i.customer_number = %(number)s
),
contact_ids as (
    select c.id from contacts c where c.organization_id = %(org)s and c.phone = %(number)s
    union
    select i.contact_id from identity i where i.contact_id is not null
),
actors as (  -- appointment_history.actor -> who, as the export tells it (never an account)
    select * from (values ('staff:', 'staff'), ('ops:', 'operator'), ('customer:', 'customer')) a (prefix, role)
)
select
    (select json_build_object(
         'id', o.id, 'name', o.name,
         'whatsapp_numbers', coalesce((
             select json_agg(distinct p.business_number) from platform_connections p
             where p.organization_id = o.id), '[]'::json))
     from organizations o where o.id = %(org)s) as business,
    coalesce((select json_agg(p.app_name order by p.app_name) from platform_connections p
              where p.organization_id = %(org)s and p.provider = 'gupshup'), '[]'::json) as apps,
    (select json_build_object(
         'id', i.id, 'whatsapp_number', i.customer_number, 'display_name', i.display_name,
         'started_at', i.created_at, 'last_message_at', i.last_inbound_at, 'assistant_on', i.bot_enabled,
         'opted_out', i.opted_out, 'opt_changed_at', i.opt_changed_at,
         'language', i.language, 'language_source', i.language_source, 'language_set_at', i.language_set_at)
     from identity i) as conversation,
    coalesce((select json_agg(json_build_object(
                  'id', c.id, 'name', c.name, 'phone', c.phone, 'email', c.email, 'created_at', c.created_at)
                  order by c.created_at, c.id)
              from contacts c
              where c.organization_id = %(org)s and c.id in (select id from contact_ids)), '[]'::json) as contacts,
    -- The consent register (consent_events): the conversation's history, oldest first.
    coalesce((select json_agg(json_build_object('purpose', e.purpose, 'state', e.state,
                  'source', e.source, 'at', e.at, 'recorded_by', case when e.actor like 'staff:%%'
                  then 'staff' when e.actor like 'ops:%%' then 'operator' else 'customer' end) order by e.id)
              from consent_events e join identity i on i.id = e.chat_identity_id
              where e.organization_id = %(org)s), '[]'::json) as consent,
    coalesce((select json_agg(json_build_object(
                  'id', a.id, 'service', s.name, 'member', m.name, 'starts_at', a.starts_at, 'ends_at', a.ends_at,
                  'status', a.status, 'notes', a.notes, 'created_at', a.created_at, 'updated_at', a.updated_at,
                  'history', coalesce((
                      select json_agg(json_build_object(
                          'action', h.action, 'at', h.at,
                          'by', coalesce((select r.role from actors r where starts_with(h.actor, r.prefix)),
                                         case when h.actor is null then 'customer' else 'staff' end),
                          'old_starts_at', h.old_starts_at, 'new_starts_at', h.new_starts_at,
                          'old_member', om.name, 'new_member', nm.name) order by h.at, h.id)
                      from appointment_history h
                      left join members om on om.organization_id = h.organization_id and om.id = h.old_member_id
                      left join members nm on nm.organization_id = h.organization_id and nm.id = h.new_member_id
                      where h.organization_id = a.organization_id and h.appointment_id = a.id), '[]'::json),
                  'reminders', coalesce((
                      select json_agg(json_build_object(
                          'due_at', r.due_at, 'minutes_before', r.offset_minutes, 'status', r.status,
                          'answer', r.answer, 'answered_at', r.answered_at) order by r.due_at, r.id)
                      from appointment_reminders r
                      where r.organization_id = a.organization_id and r.appointment_id = a.id), '[]'::json))
                  order by a.starts_at, a.id)
              from appointments a
              join services s on s.organization_id = a.organization_id and s.id = a.service_id
              join members m on m.organization_id = a.organization_id and m.id = a.member_id
              where a.organization_id = %(org)s and a.contact_id in (select id from contact_ids)), '[]'::json)
        as appointments,
    coalesce((select json_agg(json_build_object(
                  'id', m.id, 'at', m.created_at, 'direction', m.direction,
                  'author', case when m.direction = 'inbound' then 'customer'
                                 when m.sent_by is not null then 'staff' else 'assistant' end,
                  'kind', m.kind, 'text', coalesce(m.processed_text, m.raw #>> '{payload,text}'),
                  'status', m.status, 'received', case when m.direction = 'inbound' then m.raw end,
                  'media', null, 'provider_message_id', m.provider_message_id)
                  order by m.created_at, m.part_index, m.id)
              from chat_messages m join identity i on i.id = m.chat_identity_id
              where m.organization_id = %(org)s), '[]'::json) as messages,
    coalesce((select json_agg(json_build_object(
                  'id', e.id, 'reason', e.reason, 'status', e.status, 'created_at', e.created_at,
                  'resolved_at', e.resolved_at, 'customer_message', e.customer_message,
                  'message_at', e.message_at) order by e.created_at, e.id)
              from escalations e join identity i on i.id = e.chat_identity_id
              where e.organization_id = %(org)s), '[]'::json) as escalations,
    (select json_build_object('text', t.summary, 'updated_at', t.updated_at)
     from thread_summaries t join identity i on i.id = t.chat_identity_id
     where t.organization_id = %(org)s) as assistant_summary,
    coalesce((select json_agg(json_build_object(
                  'service', s.name, 'due_on', r.due_on, 'status', r.status, 'sent_at', r.sent_at,
                  'answer', r.answer, 'answered_at', r.answered_at) order by r.created_at, r.id)
              from recalls r join services s on s.organization_id = r.organization_id and s.id = r.service_id
              where r.organization_id = %(org)s and r.contact_id in (select id from contact_ids)), '[]'::json)
        as recalls,
    -- The waiting list (docs/waitlist.md): the contacts' entries, each with the slots offered.
    coalesce((select json_agg(json_build_object(
                  'id', w.id, 'service', s.name, 'member', m.name, 'first_day', w.first_day,
                  'last_day', w.last_day, 'day_part', w.day_part, 'status', w.status, 'created_at', w.created_at,
                  'updated_at', w.updated_at,
                  'offers', coalesce((
                      select json_agg(json_build_object(
                          'service', os.name, 'member', om.name, 'starts_at', o.starts_at, 'ends_at', o.ends_at,
                          'status', o.status, 'offered_at', o.created_at, 'expires_at', o.expires_at,
                          'answered_at', o.answered_at) order by o.created_at, o.id)
                      from waitlist_offers o
                      join services os on os.organization_id = o.organization_id and os.id = o.service_id
                      join members om on om.organization_id = o.organization_id and om.id = o.member_id
                      where o.organization_id = w.organization_id and o.entry_id = w.id), '[]'::json))
                  order by w.created_at, w.id)
              from waitlist_entries w
              join services s on s.organization_id = w.organization_id and s.id = w.service_id
              left join members m on m.organization_id = w.organization_id and m.id = w.member_id
              where w.organization_id = %(org)s and w.contact_id in (select id from contact_ids)), '[]'::json)
        as waitlist
"""


_PROVIDER_ID = "provider_message_id"  # read beside each message: its media copy's key


class CrmCustomerData:
    """The export's CRM port (privacy.export.CustomerData) over a Database: as the console's role
    (receptionist_console) or the tables' owner."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def organization_of_app(self, app: str) -> str | None:
        """The business behind a Gupshup app name (active or not: its customers' data stays)."""
        row = self.db.fetch_one("select public.gupshup_app_organization(%s)::text as id", (app,))
        return str(row["id"]) if row and row["id"] else None

    def records(self, organization_id: str, number: str) -> CustomerRecords | None:
        """What the business holds about the customer with this number; None when it holds nothing
        (no conversation, no contact) or the business does not exist."""
        with self.db.acting_for(organization_id):
            row = self.db.fetch_one(_CUSTOMER, {"org": organization_id, "number": number})
        if row is None or row["business"] is None or (row["conversation"] is None and not row["contacts"]):
            return None
        messages: list[dict[str, Any]] = row["messages"]
        provider_ids = {str(m["id"]): str(m[_PROVIDER_ID]) for m in messages if m[_PROVIDER_ID]}
        summary = row["assistant_summary"]
        return CustomerRecords(
            business=Business.model_validate(row["business"]),
            apps=[str(a) for a in row["apps"]],
            conversation=Conversation.model_validate(row["conversation"]) if row["conversation"] else None,
            contacts=[Contact.model_validate(c) for c in row["contacts"]],
            consent=[ConsentRecord.model_validate(c) for c in row["consent"]],
            appointments=[Appointment.model_validate(a) for a in row["appointments"]],
            messages=[Message.model_validate({k: v for k, v in m.items() if k != _PROVIDER_ID}) for m in messages],
            escalations=[Escalation.model_validate(e) for e in row["escalations"]],
            assistant_summary=AssistantSummary.model_validate(summary) if summary else None,
            provider_message_ids=provider_ids,
            recalls=[Recall.model_validate(r) for r in row["recalls"]],
            waitlist=[WaitlistEntry.model_validate(w) for w in row["waitlist"]],
        )
