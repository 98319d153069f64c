-- The CRM's whole record of one customer of one business (privacy_customer_record: what a blocked
-- customer's vault keeps and the export reads; migrations 20261207090000, 20261210010000) now with
-- their recalls (20261210040000), the buttons' token left out as for waitlist offers. Redefined
-- whole, as every migration that adds a store to it.

create or replace function public.privacy_customer_record(organization uuid, number text)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  with identities as (
    select i.* from public.chat_identities i
    where i.organization_id = organization and i.customer_number = number
  ), contacts as (
    select c.* from public.contacts c
    where c.organization_id = organization
      and (c.phone = number or c.id in (select contact_id from identities where contact_id is not null))
  )
  select jsonb_build_object(
    'organization_id', organization,
    'customer_number', number,
    'contacts', (select coalesce(jsonb_agg(to_jsonb(c) order by c.created_at), '[]') from contacts c),
    'conversations', (
      select coalesce(jsonb_agg(to_jsonb(i) || jsonb_build_object(
        'messages', (
          select coalesce(jsonb_agg(to_jsonb(m) order by m.created_at, m.part_index), '[]')
          from public.chat_messages m where m.organization_id = organization and m.chat_identity_id = i.id),
        'summary', (
          select to_jsonb(s) from public.thread_summaries s
          where s.organization_id = organization and s.chat_identity_id = i.id),
        'escalations', (
          select coalesce(jsonb_agg(to_jsonb(e) order by e.created_at), '[]')
          from public.escalations e where e.organization_id = organization and e.chat_identity_id = i.id),
        'usage', (
          select coalesce(jsonb_agg(to_jsonb(u) order by u.at), '[]')
          from public.turn_usage u where u.organization_id = organization and u.chat_identity_id = i.id),
        'consent', (  -- the consent register (20261207080100): the proof of what they agreed to
          select coalesce(jsonb_agg(to_jsonb(e) order by e.id), '[]')
          from public.consent_events e where e.organization_id = organization and e.chat_identity_id = i.id)
      ) order by i.created_at), '[]')
      from identities i),
    'appointments', (
      select coalesce(jsonb_agg(to_jsonb(a) || jsonb_build_object(
        'history', (
          select coalesce(jsonb_agg(to_jsonb(h) order by h.at), '[]')
          from public.appointment_history h where h.organization_id = organization and h.appointment_id = a.id),
        'reminders', (
          select coalesce(jsonb_agg(to_jsonb(r) order by r.due_at), '[]')
          from public.appointment_reminders r where r.organization_id = organization and r.appointment_id = a.id)
      ) order by a.starts_at), '[]')
      from public.appointments a
      where a.organization_id = organization and a.contact_id in (select id from contacts)),
    'waitlist', (  -- what they waited for, and each slot they were offered (migration 20261210010000)
      select coalesce(jsonb_agg(to_jsonb(w) || jsonb_build_object(
        'offers', (
          select coalesce(jsonb_agg(to_jsonb(o) - 'token' order by o.created_at), '[]')
          from public.waitlist_offers o where o.organization_id = organization and o.entry_id = w.id)
      ) order by w.created_at), '[]')
      from public.waitlist_entries w
      where w.organization_id = organization and w.contact_id in (select id from contacts)),
    'recalls', (  -- each recall they were sent and their answer (migration 20261210040000), no token
      select coalesce(jsonb_agg(to_jsonb(r) - 'token' order by r.created_at), '[]')
      from public.recalls r
      where r.organization_id = organization and r.contact_id in (select id from contacts))
  )
$$;
revoke all on function public.privacy_customer_record(uuid, text) from public;
