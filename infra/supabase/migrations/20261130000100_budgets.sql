-- Per-conversation and per-business budgets: a customer cannot run up a business's model bill.
--   max_turns_per_hour  turns that call the model, per conversation, in any rolling hour
--   max_tokens_per_day  model tokens (prompt + completion), per business, per local day
-- Past either, the customer gets a fixed sentence and staff are told once per window
-- (budget_notices); the messages are stored as always, so a person can answer.

alter table public.agent_settings
  add column if not exists max_turns_per_hour integer not null default 30 check (max_turns_per_hour between 1 and 1000),
  add column if not exists max_tokens_per_day integer not null default 300000 check (max_tokens_per_day >= 1000);

create table if not exists public.turn_usage (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  chat_identity_id uuid not null,
  turn_id text not null,
  model_calls integer not null default 0 check (model_calls >= 0),
  prompt_tokens integer not null default 0 check (prompt_tokens >= 0),
  completion_tokens integer not null default 0 check (completion_tokens >= 0),
  at timestamptz not null default now(),
  primary key (organization_id, turn_id),
  foreign key (organization_id, chat_identity_id) references public.chat_identities (organization_id, id)
    on delete cascade
);
create index if not exists turn_usage_by_time on public.turn_usage (organization_id, at);
create index if not exists turn_usage_by_conversation on public.turn_usage (organization_id, chat_identity_id, at);

create table if not exists public.budget_notices (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  scope text not null,          -- 'turns:<chat identity id>' or 'tokens'
  window_start timestamptz not null,
  at timestamptz not null default now(),
  primary key (organization_id, scope, window_start)
);

do $$
declare
  t text;
begin
  foreach t in array array['turn_usage', 'budget_notices'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('alter table public.%I force row level security', t);
    execute format('drop policy if exists tenant_isolation on public.%I', t);
    execute format(
      'create policy tenant_isolation on public.%I for all to receptionist_app'
      ' using (organization_id = public.current_organization())'
      ' with check (organization_id = public.current_organization())',
      t
    );
    if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
      execute format('revoke all on table public.%I from anon', t);
    end if;
    if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
      execute format('revoke all on table public.%I from authenticated', t);
    end if;
  end loop;
end
$$;
