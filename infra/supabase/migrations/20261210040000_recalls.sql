-- Recalls (issue 29, point 3; docs/recalls.md): a service may say when a customer should come
-- back (a cleaning every 6 months); a customer with marketing consent whose last completed
-- appointment of it is that long ago, with nothing booked, no recall within the interval and no
-- no-show since, gets one approved MARKETING template with two quick replies, "Reservar"
-- (postback recall:<token>:book) and "No, gracias" (recall:<token>:no), within the business's
-- opening hours. Claimed exactly once, like the reminders.
--
--   services.recall_interval_days          days after a completed appointment of the service its
--                                          customer is recalled; NULL: never
--   agent_settings.recalls_enabled         the business sends recalls (off until its owner says so)
--   agent_settings.recall_template_id      Gupshup's id of the approved MARKETING template
--   agent_settings.recall_template_params  what fills {{1}}, {{2}}... (customer_name, service,
--                                          business, last_visit)
--   recalls                                one row per (customer, service, due day) ever claimed:
--                                          the unique key makes a claim exactly once. `token` is
--                                          the random id its buttons carry back. status: claimed
--                                          -> queued (job on the outbound queue) -> sent (Gupshup
--                                          took it) -> booked (an appointment of the customer
--                                          within 14 days of it: recall_booking trigger) |
--                                          declined ("No, gracias"); skipped (no longer due or
--                                          sendable, skip_reason); failed (given up, or Gupshup
--                                          refused it). `answer`: the tap (book | no).
--                                          The customer's link (contact_id) goes on erasure; the
--                                          anonymous row stays for the business's counts.
--   due_recalls(at, catch_up_days, max_rows)   what is due, across businesses (SECURITY DEFINER,
--                                          like due_reminders: ids and dates only)
--   unqueued_recalls(before)               claims whose job never reached the queue
--   recall_booking()                       appointments' trigger: the booking a recall led to

alter table public.services
  add column if not exists recall_interval_days integer
    constraint services_recall_interval_check check (recall_interval_days is null or recall_interval_days between 7 and 1095);

alter table public.agent_settings
  add column if not exists recalls_enabled boolean not null default false,
  add column if not exists recall_template_id text
    constraint agent_settings_recall_template_check
      check (recall_template_id is null or char_length(btrim(recall_template_id)) between 1 and 200),
  add column if not exists recall_template_params text[] not null default '{customer_name,service}'
    constraint agent_settings_recall_params_check check (
      cardinality(recall_template_params) <= 10
      and recall_template_params <@ array['customer_name', 'service', 'business', 'last_visit']
    );

create table if not exists public.recalls (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  contact_id uuid,
  service_id uuid not null,
  last_appointment_id uuid,
  due_on date not null,
  -- 122 random bits, hex (as appointment_reminders.token).
  token text not null unique default replace(gen_random_uuid()::text, '-', ''),
  status text not null default 'claimed'
    constraint recalls_status_check
      check (status in ('claimed', 'queued', 'sent', 'booked', 'declined', 'skipped', 'failed')),
  skip_reason text constraint recalls_skip_reason_check
    check (skip_reason in ('gone', 'disabled', 'no_consent', 'not_due', 'no_template', 'no_app', 'refused')),
  answer text constraint recalls_answer_check check (answer in ('book', 'no')),
  answer_turn text check (char_length(answer_turn) <= 200),
  answered_at timestamptz,
  booked_appointment_id uuid,
  attempts integer not null default 0,
  last_error text check (char_length(last_error) <= 300),
  -- The pass's moment when it claimed it (its clock): what "no recall within the interval" counts from.
  claimed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  queued_at timestamptz,
  sent_at timestamptz,
  unique (contact_id, service_id, due_on),
  foreign key (organization_id, contact_id) references public.contacts (organization_id, id)
    on delete set null (contact_id),
  foreign key (organization_id, service_id) references public.services (organization_id, id) on delete cascade,
  foreign key (organization_id, last_appointment_id) references public.appointments (organization_id, id)
    on delete set null (last_appointment_id),
  foreign key (organization_id, booked_appointment_id) references public.appointments (organization_id, id)
    on delete set null (booked_appointment_id)
);
create index if not exists recalls_claimed on public.recalls (created_at) where status = 'claimed';
create index if not exists recalls_by_contact on public.recalls (organization_id, contact_id, claimed_at);
create index if not exists recalls_sent on public.recalls (organization_id, sent_at);
create index if not exists appointments_completed_by_service
  on public.appointments (organization_id, service_id, contact_id, starts_at desc) where status = 'completed';

alter table public.recalls enable row level security;
alter table public.recalls force row level security;
drop policy if exists tenant_isolation on public.recalls;
create policy tenant_isolation on public.recalls for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.recalls from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.recalls from authenticated;
  end if;
end
$$;
-- The reminders function claims and sends, the processor records the taps, the notifier marks
-- them sent or failed: the message functions' role. The console reads them (metrics, export).
grant select, insert, update on public.recalls to receptionist_app;
grant select on public.recalls to receptionist_console;

-- Recalls due at `at`, per customer of a business that sends them: their last completed
-- appointment of a service with an interval, that interval ago or more (its due day, in the
-- business's zone, within the last `catch_up_days`: turning recalls on never messages everybody
-- who came years ago), with marketing consent and not opted out, nothing active still to come, no
-- no-show since that appointment, this recall not claimed yet and no recall to the customer within
-- the interval. At most one per customer (the earliest due), at most `max_rows`.
create or replace function public.due_recalls(at timestamptz, catch_up_days integer, max_rows integer)
returns table (organization_id uuid, contact_id uuid, service_id uuid, last_appointment_id uuid, due_on date)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select d.organization_id, d.contact_id, d.service_id, d.appointment_id, d.due_on
  from (
    select distinct on (v.organization_id, v.contact_id)
           v.organization_id, v.contact_id, v.service_id, v.appointment_id, v.due_on
    from (
      select distinct on (a.organization_id, a.contact_id, a.service_id)
             a.organization_id, a.contact_id, a.service_id, a.id as appointment_id, a.starts_at,
             s.recall_interval_days as days, st.timezone,
             (a.starts_at at time zone st.timezone)::date + s.recall_interval_days as due_on
      from public.agent_settings st
      join public.services s on s.organization_id = st.organization_id and s.recall_interval_days is not null
      join public.appointments a
        on a.organization_id = s.organization_id and a.service_id = s.id and a.status = 'completed'
      where st.recalls_enabled and st.recall_template_id is not null and a.contact_id is not null
        and a.starts_at <= due_recalls.at
      order by a.organization_id, a.contact_id, a.service_id, a.starts_at desc, a.id desc
    ) v
    join public.contacts c on c.organization_id = v.organization_id and c.id = v.contact_id
    where v.due_on <= (due_recalls.at at time zone v.timezone)::date
      and v.due_on > (due_recalls.at at time zone v.timezone)::date - greatest(catch_up_days, 1)
      and exists (
        select 1 from public.chat_identities ci
        where ci.organization_id = v.organization_id and ci.customer_number = c.phone and not ci.opted_out
          and public.consent_granted(ci.organization_id, ci.id, 'marketing')
      )
      and not exists (
        select 1 from public.appointments f
        where f.organization_id = v.organization_id and f.contact_id = v.contact_id
          and f.status in ('pending', 'confirmed') and f.ends_at > due_recalls.at
      )
      and not exists (
        select 1 from public.appointments n
        where n.organization_id = v.organization_id and n.contact_id = v.contact_id
          and n.status = 'no_show' and n.starts_at > v.starts_at
      )
      and not exists (
        select 1 from public.recalls r
        where r.organization_id = v.organization_id and r.contact_id = v.contact_id
          and ((r.service_id = v.service_id and r.due_on = v.due_on)
               or r.claimed_at > due_recalls.at - make_interval(days => v.days))
      )
    order by v.organization_id, v.contact_id, v.due_on, v.service_id
  ) d
  order by d.due_on, d.organization_id, d.contact_id
  limit greatest(max_rows, 0)
$$;
revoke all on function public.due_recalls(timestamptz, integer, integer) from public;
grant execute on function public.due_recalls(timestamptz, integer, integer) to receptionist_app;

-- Claims still 'claimed' (their job never confirmed on the queue) made before `before`.
create or replace function public.unqueued_recalls(before timestamptz)
returns table (organization_id uuid, recall_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select r.organization_id, r.id from public.recalls r
  where r.status = 'claimed' and r.created_at < before
  order by r.created_at
$$;
revoke all on function public.unqueued_recalls(timestamptz) from public;
grant execute on function public.unqueued_recalls(timestamptz) to receptionist_app;

-- A booking by a customer recalled within the last 14 days: the recall led to it (its status
-- 'booked', the appointment kept on it). Whoever books (the assistant, staff, ops) may not update
-- recalls: the trigger's function runs as the tables' owner, and touches only the new
-- appointment's business and customer.
create or replace function public.recall_booking()
returns trigger
language plpgsql security definer
set search_path = public, pg_temp
as $$
begin
  if new.contact_id is null then
    return new;
  end if;
  update public.recalls r
     set status = 'booked', booked_appointment_id = new.id, updated_at = now()
   where r.organization_id = new.organization_id and r.contact_id = new.contact_id
     and r.status in ('queued', 'sent') and r.booked_appointment_id is null
     and coalesce(r.sent_at, r.queued_at) <= new.created_at
     and coalesce(r.sent_at, r.queued_at) > new.created_at - interval '14 days';
  return new;
end
$$;
revoke all on function public.recall_booking() from public;
drop trigger if exists recall_booking on public.appointments;
create trigger recall_booking after insert on public.appointments
  for each row execute function public.recall_booking();

do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant execute on function public.due_recalls(timestamptz, integer, integer) to service_role;
    grant execute on function public.unqueued_recalls(timestamptz) to service_role;
  end if;
end
$$;
