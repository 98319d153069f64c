-- Templates the notifier sends to a business's STAFF numbers (escalation notices, handoff
-- follow-ups, calendar and budget notices: notifier/service.py `_to_staff`), one row per send
-- Gupshup accepted (issue 31; docs/stats.md "Staff notices"). Meta charges them like any template,
-- but they are not conversation messages (no chat_messages row), so the daily roll-up counts and
-- prices them from here: category from message_templates, never inside a customer service window.
--
--   send_key     the job id and the recipient's place in the job's staff list ("<job>#staff#<i>"):
--                a redelivered job records each send once (insert ... on conflict do nothing)
--   at           when Gupshup accepted it (the notifier's clock)
--   template_id  the template sent (its category prices it)
--   prefix       the first 3 digits of the staff number: its calling code, the market that prices
--                the send. Never the full number: the table holds nothing personal.
--
-- Row level security as every tenant table (the console role has no grant on it); the message
-- functions' role records, the roll-up (same role) reads. Rows older than
-- agent_settings.usage_retention_months go with turn_usage in the nightly retention
-- (retention_usage, redefined here to delete them too).

create table if not exists public.staff_template_sends (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  send_key text not null check (char_length(send_key) <= 200),
  at timestamptz not null default now(),
  template_id text not null check (char_length(template_id) <= 200),
  prefix text not null check (prefix ~ '^[0-9]{1,3}$'),
  primary key (organization_id, send_key)
);
create index if not exists staff_template_sends_by_time on public.staff_template_sends (organization_id, at);

alter table public.staff_template_sends enable row level security;
alter table public.staff_template_sends force row level security;
drop policy if exists tenant_isolation on public.staff_template_sends;
create policy tenant_isolation on public.staff_template_sends for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.staff_template_sends from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.staff_template_sends from authenticated;
  end if;
end
$$;
grant select, insert on public.staff_template_sends to receptionist_app;

-- Usage rows, budget notices and staff template sends past the business's window, at most
-- max_count of each, deleted (20261207110000's function, plus the staff sends).
create or replace function public.retention_usage(org uuid, max_count integer)
returns jsonb
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
declare
  cutoff timestamptz := now() - make_interval(months => (select w.usage_months from public.retention_windows(org) w));
  batch integer := least(greatest(coalesce(max_count, 1), 1), 10000);
  usage_rows integer;
  notices integer;
  staff_sends integer;
begin
  delete from public.turn_usage u
  where u.organization_id = org and u.turn_id in (
    select t.turn_id from public.turn_usage t where t.organization_id = org and t.at < cutoff order by t.at limit batch);
  get diagnostics usage_rows = row_count;
  delete from public.budget_notices b
  where b.organization_id = org and (b.scope, b.window_start) in (
    select n.scope, n.window_start from public.budget_notices n
    where n.organization_id = org and n.window_start < cutoff order by n.window_start limit batch);
  get diagnostics notices = row_count;
  delete from public.staff_template_sends s
  where s.organization_id = org and s.send_key in (
    select x.send_key from public.staff_template_sends x
    where x.organization_id = org and x.at < cutoff order by x.at limit batch);
  get diagnostics staff_sends = row_count;
  return jsonb_build_object('turn_usage', usage_rows, 'budget_notices', notices, 'staff_template_sends', staff_sends);
end
$$;
revoke all on function public.retention_usage(uuid, integer) from public;
