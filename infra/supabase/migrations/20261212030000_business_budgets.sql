-- A monthly budget per business and the alert when it is spent (issue 31, point 4; docs/console.md
-- "The operator's costs", docs/reminders.md "The budget pass").
--
--   organizations.monthly_budget_usd   what the operator means the business to cost a month, in
--                                      USD (model + WhatsApp + AWS, as daily_business_stats prices
--                                      them); NULL: no budget. Set by an operator only, audited.
--   budget_alerts                      one row per business and month whose cost reached its
--                                      budget: the claim of the budget pass (RemindersFunction,
--                                      {"pass": "budgets"}), and when the owner's staff notice was
--                                      queued and ops' SNS message published. A row with both done
--                                      is never claimed again: each is told once per business and
--                                      month. Figures only: no customer, number or words.
--
-- Functions (SECURITY DEFINER, each granted to the one role that calls it):
--   operator_costs(operator_sub, month)              the console's costs page: every business, its
--                                                    month's sums from the daily roll-up, budget and
--                                                    alert; no rows for anyone but an operator.
--   operator_set_budget(operator_sub, org, budget)   the budget set (NULL: none) and its audit line
--                                                    in the business's audit_log, in one statement.
--                                                    RC403: not an operator; RC404: no such business.
--   budgets_due(at, stale_after)                     the budget pass: businesses whose current month
--                                                    (in their own zone) reached the budget and whose
--                                                    alert is not done nor freshly claimed.

alter table public.organizations
  add column if not exists monthly_budget_usd numeric(12, 2)
    constraint organizations_monthly_budget_check
      check (monthly_budget_usd is null or (monthly_budget_usd > 0 and monthly_budget_usd <= 1000000));

create table if not exists public.budget_alerts (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  month date not null check (extract(day from month) = 1),  -- the business's local month
  budget_usd numeric(12, 2) not null check (budget_usd > 0),
  cost_usd numeric(14, 6) not null check (cost_usd >= 0),  -- when first claimed: what the notices say
  claimed_at timestamptz not null,  -- the latest claim (a stale one is taken again)
  tries integer not null default 1 check (tries >= 1),
  owner_queued_at timestamptz,  -- the staff notice put on the outbound queue
  ops_published_at timestamptz,  -- the SNS message published to the stack's AlarmTopic
  last_error text check (last_error is null or char_length(last_error) <= 500),  -- type and place, never a message
  primary key (organization_id, month)
);

alter table public.budget_alerts enable row level security;
alter table public.budget_alerts force row level security;
drop policy if exists tenant_isolation on public.budget_alerts;
create policy tenant_isolation on public.budget_alerts for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.budget_alerts from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.budget_alerts from authenticated;
  end if;
end
$$;
-- The budget pass (the reminders function, as the message functions' role) claims and marks; the
-- console reads the alerts only through operator_costs().
grant select, insert, update on public.budget_alerts to receptionist_app;

create or replace function public.operator_costs(operator_sub text, month date)
returns table (
  id uuid,
  name text,
  monthly_budget_usd numeric,
  days integer,
  conversations bigint,
  inbound_messages bigint,
  turns bigint,
  prompt_tokens bigint,
  completion_tokens bigint,
  wa_service bigint,
  wa_utility_free bigint,
  wa_utility bigint,
  wa_marketing bigint,
  wa_authentication bigint,
  model_cost_usd numeric,
  whatsapp_cost_usd numeric,
  aws_cost_usd numeric,
  owner_queued_at timestamptz,
  ops_published_at timestamptz
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, o.name, o.monthly_budget_usd, count(d.day)::integer,
         coalesce(sum(d.conversations), 0)::bigint, coalesce(sum(d.inbound_messages), 0)::bigint,
         coalesce(sum(d.turns), 0)::bigint, coalesce(sum(d.prompt_tokens), 0)::bigint,
         coalesce(sum(d.completion_tokens), 0)::bigint, coalesce(sum(d.wa_service), 0)::bigint,
         coalesce(sum(d.wa_utility_free), 0)::bigint, coalesce(sum(d.wa_utility), 0)::bigint,
         coalesce(sum(d.wa_marketing), 0)::bigint, coalesce(sum(d.wa_authentication), 0)::bigint,
         coalesce(sum(d.model_cost_usd), 0), coalesce(sum(d.whatsapp_cost_usd), 0), coalesce(sum(d.aws_cost_usd), 0),
         a.owner_queued_at, a.ops_published_at
  from public.organizations o
  left join public.daily_business_stats d
    on d.organization_id = o.id and d.day >= operator_costs.month
   and d.day < (operator_costs.month + interval '1 month')::date
  left join public.budget_alerts a on a.organization_id = o.id and a.month = operator_costs.month
  where exists (select 1 from public.console_users u where u.sub = operator_sub and u.role = 'operator')
  group by o.id, o.name, o.monthly_budget_usd, a.owner_queued_at, a.ops_published_at
  order by o.name, o.id
$$;
revoke all on function public.operator_costs(text, date) from public;
grant execute on function public.operator_costs(text, date) to receptionist_console;

create or replace function public.operator_set_budget(operator_sub text, org uuid, budget numeric)
returns void
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
declare
  actor text;
  before numeric;
begin
  select u.email into actor from public.console_users u where u.sub = operator_sub and u.role = 'operator';
  if actor is null then
    raise exception 'not an operator account' using errcode = 'RC403';
  end if;
  select o.monthly_budget_usd into before from public.organizations o where o.id = org for update;
  if not found then
    raise exception 'no such business' using errcode = 'RC404';
  end if;
  update public.organizations set monthly_budget_usd = budget where id = org;
  insert into public.audit_log (organization_id, actor, action, target, details)
    values (org, actor, 'budget_set', org::text, jsonb_build_object('before', before, 'after', budget));
end
$$;
revoke all on function public.operator_set_budget(text, uuid, numeric) from public;
grant execute on function public.operator_set_budget(text, uuid, numeric) to receptionist_console;

create or replace function public.budgets_due(at timestamptz, stale_after interval)
returns table (
  organization_id uuid,
  name text,
  language text,
  month date,
  budget_usd numeric,
  cost_usd numeric
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  with budgeted as (
    select o.id, o.name, s.language, o.monthly_budget_usd,
           date_trunc('month', budgets_due.at at time zone s.timezone)::date as month
    from public.organizations o
    join public.agent_settings s on s.organization_id = o.id
    where o.monthly_budget_usd is not null
  ), spent as (
    select b.id, b.name, b.language, b.month, b.monthly_budget_usd,
           coalesce(sum(d.model_cost_usd + d.whatsapp_cost_usd + d.aws_cost_usd), 0) as cost
    from budgeted b
    left join public.daily_business_stats d
      on d.organization_id = b.id and d.day >= b.month and d.day < (b.month + interval '1 month')::date
    group by b.id, b.name, b.language, b.month, b.monthly_budget_usd
  )
  select s.id, s.name, s.language, s.month, s.monthly_budget_usd, s.cost
  from spent s
  where s.cost >= s.monthly_budget_usd
    and not exists (
      select 1 from public.budget_alerts a
      where a.organization_id = s.id and a.month = s.month
        and ((a.owner_queued_at is not null and a.ops_published_at is not null)
             or a.claimed_at > budgets_due.at - stale_after)
    )
  order by s.id
$$;
revoke all on function public.budgets_due(timestamptz, interval) from public;
grant execute on function public.budgets_due(timestamptz, interval) to receptionist_app;
