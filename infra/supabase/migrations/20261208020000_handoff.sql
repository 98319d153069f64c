-- Handoff that respects opening hours, and escalations with an owner (issue 27, points 5 and 6;
-- docs/console.md "Atención por personas", docs/agent.md "escalate_to_human", docs/reminders.md
-- "The handoff follow-ups").
--
--   opening_hours                        when people answer the business's WhatsApp, per weekday in
--                                        its local wall time (a split day is two rows). No row: the
--                                        union of its active staff members' weekly hours.
--   notification_settings
--     .outside_hours_notice              'now': staff are notified at once, also outside hours;
--                                        'at_opening': at the next opening (the follow-up pass)
--     .renotify_after_minutes            N (10): inside hours, an escalation nobody took or answered
--                                        is notified again to every staff number, once
--     .message_offer_after_minutes       M (30): then the assistant offers to take a message
--   escalations
--     .waiting_since                     when people could first answer it: its creation inside
--                                        hours, the next opening outside (N and M count from here)
--     .notify_at                         a staff notice left for the opening ('at_opening'); null:
--                                        notified when it was opened
--     .<step>_claimed_at / _queued_at    the follow-ups (opening notice, renotify, message offer):
--                                        claimed once (UPDATE ... WHERE claimed_at IS NULL), then
--                                        queued; a claim never queued is sent again by a later pass
--     .customer_message / message_at / message_turn   the message the customer left after the offer
--   chat_identities.assigned_to / assigned_at        who took the conversation (a console account)
--   console_users.whatsapp_number        a staff member's own WhatsApp number: notified, instead of
--                                        every staff number, for conversations assigned to them.
--                                        Staff data: goes with the account's row.
--
--   due_handoffs(at)                     (receptionist_app) open escalations whose follow-ups are not
--                                        all done, across businesses, for the pass to look at
--   assignee_whatsapp(identity)          (receptionist_app) the number of whoever the conversation is
--                                        assigned to, in the current organization
--   own_whatsapp(sub) / set_own_whatsapp(sub, number)   (receptionist_console) read / set one's own

create table if not exists public.opening_hours (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  weekday smallint not null check (weekday between 1 and 7),
  starts time not null,
  ends time not null,
  check (starts < ends)
);
create index if not exists opening_hours_by_business on public.opening_hours (organization_id, weekday);

alter table public.notification_settings
  add column if not exists outside_hours_notice text not null default 'now'
    check (outside_hours_notice in ('now', 'at_opening')),
  add column if not exists renotify_after_minutes integer not null default 10
    check (renotify_after_minutes between 1 and 1440),
  add column if not exists message_offer_after_minutes integer not null default 30
    check (message_offer_after_minutes between 1 and 1440);

alter table public.escalations
  add column if not exists waiting_since timestamptz,
  add column if not exists notify_at timestamptz,
  add column if not exists notice_claimed_at timestamptz,
  add column if not exists notice_queued_at timestamptz,
  add column if not exists renotify_claimed_at timestamptz,
  add column if not exists renotify_queued_at timestamptz,
  add column if not exists offer_claimed_at timestamptz,
  add column if not exists offer_queued_at timestamptz,
  add column if not exists customer_message text check (char_length(customer_message) <= 4000),
  add column if not exists message_at timestamptz,
  add column if not exists message_turn text check (char_length(message_turn) <= 1000);
create index if not exists escalations_follow_ups on public.escalations (created_at)
  where status = 'open' and (offer_queued_at is null or renotify_queued_at is null
                             or (notify_at is not null and notice_queued_at is null));

alter table public.console_users
  add column if not exists whatsapp_number text check (whatsapp_number ~ '^[1-9][0-9]{5,14}$');

alter table public.chat_identities
  add column if not exists assigned_to text references public.console_users (sub) on delete set null,
  add column if not exists assigned_at timestamptz;

alter table public.opening_hours enable row level security;
alter table public.opening_hours force row level security;
drop policy if exists tenant_isolation on public.opening_hours;
create policy tenant_isolation on public.opening_hours for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.opening_hours from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.opening_hours from authenticated;
  end if;
end
$$;
grant select on public.opening_hours to receptionist_app;
grant select, insert, delete on public.opening_hours to receptionist_console;

-- Open escalations of the last week whose follow-ups are not all done (older ones are left to
-- people: the inbox shows them waiting).
create or replace function public.due_handoffs(at timestamptz)
returns table (organization_id uuid, escalation_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select e.organization_id, e.id from public.escalations e
  where e.status = 'open'
    and e.created_at <= due_handoffs.at and e.created_at > due_handoffs.at - interval '7 days'
    and (e.offer_queued_at is null or e.renotify_queued_at is null
         or (e.notify_at is not null and e.notice_queued_at is null))
  order by e.created_at, e.id
$$;
revoke all on function public.due_handoffs(timestamptz) from public;
grant execute on function public.due_handoffs(timestamptz) to receptionist_app;

create or replace function public.assignee_whatsapp(identity uuid)
returns text
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.whatsapp_number from public.chat_identities i
  join public.console_users u on u.sub = i.assigned_to and u.organization_id = i.organization_id
  where i.organization_id = public.current_organization() and i.id = identity
$$;
revoke all on function public.assignee_whatsapp(uuid) from public;
grant execute on function public.assignee_whatsapp(uuid) to receptionist_app;

create or replace function public.own_whatsapp(user_sub text)
returns text
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.whatsapp_number from public.console_users u
  where u.sub = user_sub and u.organization_id = public.current_organization()
$$;
revoke all on function public.own_whatsapp(text) from public;
grant execute on function public.own_whatsapp(text) to receptionist_console;

-- Only one's own account, only in the organization the console acts for; null clears it.
create or replace function public.set_own_whatsapp(user_sub text, number text)
returns boolean
language sql volatile security definer
set search_path = public, pg_temp
as $$
  with changed as (
    update public.console_users u set whatsapp_number = number
    where u.sub = user_sub and u.organization_id = public.current_organization()
    returning 1
  )
  select exists (select 1 from changed)
$$;
revoke all on function public.set_own_whatsapp(text, text) from public;
grant execute on function public.set_own_whatsapp(text, text) to receptionist_console;
