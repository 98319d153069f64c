-- The no-show policy (issue 29, point 2; docs/noshow.md): after N no-shows in M months the
-- assistant no longer books for a customer by itself; it explains and offers a person. Staff in
-- the console always book.
--
--   organizations.kind          'clinic' | 'salon' | 'other': what kind of business it is; the
--                               policy's default follows it (on for clinics and others, off for salons)
--   noshow_policies             one row per business that changed its policy (none: every default)
--     .enabled                  true / false; NULL: the kind's default
--     .no_show_limit            N (2): no-shows that stop the assistant booking
--     .window_months            M (6): counted over the last M months
--     .changed_at               when the owner last saved it
--   noshow_policy_history       the policy in force (the kind's default resolved) each time it
--                               changed, from the business's creation on: "before / after the policy"
--                               (crm/outcomes.noshow_metrics) is computable from it. Written by the
--                               triggers below, whoever makes the change (the console, ops, onboarding).
--
-- A customer's no-show count is computed when it is needed (appointments with status 'no_show'):
-- nothing new is stored about a customer.

alter table public.organizations
  add column if not exists kind text not null default 'clinic'
    constraint organizations_kind_check check (kind in ('clinic', 'salon', 'other'));

create table if not exists public.noshow_policies (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  enabled boolean,
  no_show_limit integer not null default 2 check (no_show_limit between 1 and 20),
  window_months integer not null default 6 check (window_months between 1 and 36),
  changed_at timestamptz not null default now()
);

create table if not exists public.noshow_policy_history (
  id bigserial primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null,
  enabled boolean not null,  -- in force: the kind's default resolved
  no_show_limit integer not null,
  window_months integer not null,
  at timestamptz not null default now()
);
create index if not exists noshow_policy_history_by_business
  on public.noshow_policy_history (organization_id, at, id);

-- Whether the policy is in force: the business's choice, else its kind's default (the same rule
-- as receptionist/crm/noshow.py's NoShowPolicy.active).
create or replace function public.noshow_policy_in_force(kind text, enabled boolean)
returns boolean
language sql immutable
set search_path = public, pg_temp
as $$
  select coalesce(enabled, kind <> 'salon')
$$;
revoke all on function public.noshow_policy_in_force(text, boolean) from public;

-- A history row when what is in force differs from the latest one (a save that changes nothing
-- in force, e.g. enabled NULL -> true for a clinic, adds none). SECURITY DEFINER: no role is
-- granted INSERT on the history, so nobody writes it but these triggers, for the organization of
-- the row the caller could change (under its row level security); and a business created by an
-- operator (onboard_business) gets its row at commit, when no tenant is set.
create or replace function public.noshow_policy_record()
returns trigger
language plpgsql security definer
set search_path = public, pg_temp
as $$
declare
  -- organizations' rows have `id`, noshow_policies' rows `organization_id`
  org uuid := coalesce(to_jsonb(new) ->> 'organization_id', to_jsonb(new) ->> 'id')::uuid;
begin
  insert into public.noshow_policy_history (organization_id, kind, enabled, no_show_limit, window_months, at)
  select o.id, o.kind, public.noshow_policy_in_force(o.kind, p.enabled), coalesce(p.no_show_limit, 2),
         coalesce(p.window_months, 6), now()
  from public.organizations o
  left join public.noshow_policies p on p.organization_id = o.id
  where o.id = org
    and not exists (
      select 1 from (
        select h.kind, h.enabled, h.no_show_limit, h.window_months from public.noshow_policy_history h
        where h.organization_id = o.id order by h.at desc, h.id desc limit 1
      ) latest
      where (latest.kind, latest.enabled, latest.no_show_limit, latest.window_months)
            = (o.kind, public.noshow_policy_in_force(o.kind, p.enabled), coalesce(p.no_show_limit, 2),
               coalesce(p.window_months, 6))
    );
  return null;
end
$$;
revoke all on function public.noshow_policy_record() from public;

-- Deferred to the commit: a save that changes the kind and the policy together (the console's,
-- in one transaction) records only where it ends, never the state between its two statements.
drop trigger if exists noshow_policy_kind on public.organizations;
create constraint trigger noshow_policy_kind after insert or update of kind on public.organizations
  deferrable initially deferred
  for each row execute function public.noshow_policy_record();
drop trigger if exists noshow_policy_change on public.noshow_policies;
create constraint trigger noshow_policy_change after insert or update on public.noshow_policies
  deferrable initially deferred
  for each row execute function public.noshow_policy_record();

-- Every business that exists now: the policy (its defaults) is in force from this migration on.
insert into public.noshow_policy_history (organization_id, kind, enabled, no_show_limit, window_months, at)
select o.id, o.kind, public.noshow_policy_in_force(o.kind, null), 2, 6, now()
from public.organizations o
where not exists (select 1 from public.noshow_policy_history h where h.organization_id = o.id);

-- Row level security and grants, like every tenant table. The message functions read the policy
-- (the assistant's book_appointment); the console reads and sets it (kind included) and reads the
-- history for the metrics; the history is appended by the triggers alone, never rewritten.
do $$
declare
  t text;
begin
  foreach t in array array['noshow_policies', 'noshow_policy_history'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('alter table public.%I force row level security', t);
    execute format('drop policy if exists tenant_isolation on public.%I', t);
    execute format(
      'create policy tenant_isolation on public.%I for all to receptionist_app, receptionist_console'
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

grant select on public.noshow_policies to receptionist_app;
grant select, insert, update on public.noshow_policies to receptionist_console;
grant select on public.noshow_policy_history to receptionist_console;
-- The owner's settings page sets the business's kind, and nothing else of its row.
grant update (kind) on public.organizations to receptionist_console;
