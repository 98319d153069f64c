-- The daily roll-up's reads (issue 31; docs/stats.md): the businesses and their zones for the
-- hourly pass, and the indexes its one statement per business reads a range of days through.
--
--   stats_businesses()   every business with its time zone (agent_settings.timezone; UTC when it
--                        has no settings yet): the pass runs as the message functions' role, which
--                        sees no business without acting for it (row level security), so the list
--                        comes from this SECURITY DEFINER function, like due_reminders. Ids and
--                        zones only: no customer data.
--   stats_history_days() the acting business's appointment history counted per local day (what
--                        was booked, by whom, and what happened to appointments): the message
--                        functions write history but never read it back (20261207040000), so the
--                        roll-up gets counts only, of the organization it acts for
--                        (current_organization()), never rows.
--   indexes              by (organization_id, time) on the rows the roll-up counts per local day:
--                        messages by creation and by Gupshup's acceptance, history by time,
--                        escalations by creation, reminders by due time and by answer.

create or replace function public.stats_businesses()
returns table (organization_id uuid, timezone text)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, coalesce(a.timezone, 'UTC')
  from public.organizations o left join public.agent_settings a on a.organization_id = o.id
  order by o.created_at, o.id
$$;
revoke all on function public.stats_businesses() from public;
grant execute on function public.stats_businesses() to receptionist_app;
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant execute on function public.stats_businesses() to service_role;
  end if;
end
$$;

create index if not exists chat_messages_by_time on public.chat_messages (organization_id, created_at);
create index if not exists chat_messages_accepted on public.chat_messages (organization_id, accepted_at)
  where accepted_at is not null;
create index if not exists appointment_history_by_time on public.appointment_history (organization_id, at);
create index if not exists escalations_by_time on public.escalations (organization_id, created_at);
create index if not exists appointment_reminders_due on public.appointment_reminders (organization_id, due_at);
create index if not exists appointment_reminders_answered on public.appointment_reminders (organization_id, answered_at)
  where answered_at is not null;

create or replace function public.stats_history_days(tz text, lo timestamptz, hi timestamptz)
returns table (day date, booked_assistant bigint, booked_console bigint, booked_reminder bigint,
               booked_waitlist bigint, booked_other bigint, confirmed bigint, cancelled bigint,
               moved bigint, completed bigint, no_shows bigint)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select (h.at at time zone tz)::date,
         count(*) filter (where h.action = 'booked' and h.actor is null),
         count(*) filter (where h.action = 'booked' and h.actor like 'staff:%'),
         count(*) filter (where h.action = 'booked' and h.actor = 'customer:reminder'),
         count(*) filter (where h.action = 'booked' and h.actor = 'customer:waitlist'),
         count(*) filter (where h.action = 'booked' and h.actor not like 'staff:%'
                          and h.actor not in ('customer:reminder', 'customer:waitlist')),
         count(*) filter (where h.action = 'confirmed'),
         count(*) filter (where h.action = 'cancelled'),
         count(*) filter (where h.action = 'rescheduled'),
         count(*) filter (where h.action = 'completed'),
         count(*) filter (where h.action = 'no_show')
  from public.appointment_history h
  where h.organization_id = public.current_organization() and h.at >= lo and h.at < hi
  group by 1
$$;
revoke all on function public.stats_history_days(text, timestamptz, timestamptz) from public;
grant execute on function public.stats_history_days(text, timestamptz, timestamptz) to receptionist_app;
