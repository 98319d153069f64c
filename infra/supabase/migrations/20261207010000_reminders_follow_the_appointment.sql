-- Reminders that follow the appointment, and fail alone (issue 24; docs/reminders.md).
--
--   A reminder belongs to one start time. Its time is `due_at` = the appointment's start then -
--   `offset_minutes`, so the key becomes (organization, appointment, offset, due_at): a move makes
--   the new time's reminders due, while those of the old time stay what they were (a claim not
--   yet queued is skipped as 'moved'; a tap on one that went out changes nothing).
--   appointment_reminders.attempts     failed tries to build, queue or mark it (claim, content,
--                                      send, mark); at 5 the pass gives it up: status 'failed'.
--   appointment_reminders.last_error   why the last try failed: step, error type, SQL state and
--                                      place in the code, never an error's message (it can quote
--                                      personal data: receptionist/logsafe.py).
--   appointment_reminders.skip_reason  why the pass did not send it: the appointment was
--                                      cancelled, moved or had started (a claim is never sent late),
--                                      the business dropped its template or app, or the row is gone.
--                                      NULL for the notifier's skips (opted out, refused).
-- Status: claimed -> queued -> sent | skipped, or claimed -> failed (given up).

-- The old key, (organization, appointment, offset), found by its columns (its generated name is truncated).
do $$
declare
  old_key text;
begin
  select con.conname into old_key
  from pg_catalog.pg_constraint con
  where con.conrelid = 'public.appointment_reminders'::regclass and con.contype = 'u'
    and (select array_agg(att.attname::text order by att.attname)
         from pg_catalog.pg_attribute att
         where att.attrelid = con.conrelid and att.attnum = any(con.conkey))
        = array['appointment_id', 'offset_minutes', 'organization_id'];
  if old_key is not null then
    execute format('alter table public.appointment_reminders drop constraint %I', old_key);
  end if;
end
$$;

alter table public.appointment_reminders
  add constraint appointment_reminders_one_per_start unique (organization_id, appointment_id, offset_minutes, due_at),
  drop constraint appointment_reminders_status_check,
  add constraint appointment_reminders_status_check
    check (status in ('claimed', 'queued', 'sent', 'skipped', 'failed')),
  add column if not exists attempts integer not null default 0
    constraint appointment_reminders_attempts_check check (attempts between 0 and 100),
  add column if not exists last_error text
    constraint appointment_reminders_last_error_check check (char_length(last_error) <= 300),
  add column if not exists skip_reason text
    constraint appointment_reminders_skip_reason_check
      check (skip_reason in ('cancelled', 'moved', 'started', 'no_template', 'no_app', 'gone')),
  add constraint appointment_reminders_failed_check check (status <> 'failed' or last_error is not null);

-- Reminders due at `at`: for every business with a reminder template, each pending or confirmed
-- appointment still to come whose reminder time (starts_at - offset) lies in (at - lookback, at]
-- (a missed pass catches up within the lookback), booked before that time and not moved to its
-- current start at or after it (a late booking or move is not reminded: the customer has just
-- agreed on that time), whose customer has not opted out, and not claimed yet for this start.
create or replace function public.due_reminders(at timestamptz, lookback interval)
returns table (organization_id uuid, appointment_id uuid, offset_minutes integer, due_at timestamptz)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select a.organization_id, a.id, o.offset_minutes, d.due_at
  from public.agent_settings s
  cross join lateral unnest(s.reminder_offsets_minutes) as o(offset_minutes)
  join public.appointments a on a.organization_id = s.organization_id
  cross join lateral (select a.starts_at - make_interval(mins => o.offset_minutes) as due_at) d
  join public.contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
  where s.reminder_template_id is not null
    and a.status in ('pending', 'confirmed')
    and a.starts_at > due_reminders.at
    and d.due_at <= due_reminders.at
    and d.due_at > due_reminders.at - lookback
    and a.created_at < d.due_at
    and not exists (
      select 1 from public.appointment_history h
      where h.organization_id = a.organization_id and h.appointment_id = a.id and h.action = 'rescheduled'
        and h.new_starts_at = a.starts_at and h.old_starts_at is distinct from h.new_starts_at
        and h.at >= d.due_at
    )
    and not exists (
      select 1 from public.chat_identities ci
      where ci.organization_id = a.organization_id and ci.customer_number = c.phone and ci.opted_out
    )
    and not exists (
      select 1 from public.appointment_reminders r
      where r.organization_id = a.organization_id and r.appointment_id = a.id
        and r.offset_minutes = o.offset_minutes and r.due_at = d.due_at
    )
  order by 4, 1, 2
$$;
