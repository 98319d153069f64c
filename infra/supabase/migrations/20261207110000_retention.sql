-- Nothing kept for ever: per-business retention, applied daily by the RetentionFunction (issue 25,
-- point 6; docs/privacy.md, "How long anything is kept (retention)"; receptionist/retention/).
--
--   agent_settings.retention_months        a customer with no activity for this many months (no
--                                          message either way, no appointment, no consent or
--                                          escalation change, no new contact) is removed whole, as an
--                                          erasure: conversation, messages and transcripts, summary,
--                                          escalations, consent history, contact; appointments kept
--                                          anonymous. Default 12; 1 to 180 (15 years: the longest
--                                          clinical-records rule in Spain, Catalonia's Ley 21/2000).
--   agent_settings.media_retention_days    a voice note's or photo's copy is deleted this many days
--                                          after it arrived. Default 30; 1 to 365 (the bucket's
--                                          ExpireMedia rule, 365 days in prod, is the ceiling).
--   agent_settings.usage_retention_months  usage rows (tokens per turn) and budget notices older than
--                                          this are deleted. Default 24; 1 to 120.
--   retention_marks                        per business, how far the media pass got (owner only; no
--                                          personal data).
--   privacy_requests.status 'cancelled'    a retention removal stopped because the customer became
--                                          active again meanwhile (wrote, was booked), or because the
--                                          run that began it died and the customer is no longer due.
--   role receptionist_retention            the RetentionFunction's login (SSM retention-database-url):
--                                          it executes the retention_* functions below and nothing
--                                          else: no table, no other function. What is due is decided
--                                          here, with now(), so its credentials can remove only what
--                                          the rules make due, never a customer of its choosing.
--
--   retention_businesses()                        every business: its windows and Gupshup apps
--   retention_due(org, max, after_at, after_number)   customers due, oldest activity first (keyset)
--   retention_begin(org, number, ref)             begin (or resume) removing a due customer as an
--                                                 erasure (privacy_requests: mode erase, actor
--                                                 'retention'; audited); what keys their items elsewhere
--   retention_step(org, ref, step, details)       a store emptied (forget_step)
--   retention_finish(org, number, ref)            still due: forget_finish; active again: cancelled
--   retention_cancel(org, ref)                    the customer turned out active (a live buffered message)
--   retention_cancel_stale(org)                   retention requests running for over an hour: cancelled
--   retention_media_due(org, max) / retention_media_done(org, at, id)   media past its days, and the mark
--   retention_usage(org, max)                     usage rows and budget notices past the window, deleted
--   retention_vault_due(org, max) / retention_vault_remove(org, id)     blocked customers at their date
--   Errors: RC404 no retention request running, RC409 the customer is not due (or another request of
--   theirs runs), RC422 a value refused.
--
-- On Supabase, set the role's password once (README, "Deploying"):
--   alter role receptionist_retention with password '<a long random secret>';
-- and put the pooler URL for it (user `receptionist_retention.<project ref>`) in SSM retention-database-url.

alter table public.agent_settings
  add column if not exists retention_months integer not null default 12
    constraint agent_settings_retention_months_check check (retention_months between 1 and 180),
  add column if not exists media_retention_days integer not null default 30
    constraint agent_settings_media_retention_days_check check (media_retention_days between 1 and 365),
  add column if not exists usage_retention_months integer not null default 24
    constraint agent_settings_usage_retention_months_check check (usage_retention_months between 1 and 120);

alter table public.privacy_requests drop constraint if exists privacy_requests_status_check;
alter table public.privacy_requests add constraint privacy_requests_status_check
  check (status in ('running', 'done', 'superseded', 'cancelled'));

create table if not exists public.retention_marks (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  media_at timestamptz not null default '-infinity',  -- the last media message deleted (time, id)
  media_id uuid not null default '00000000-0000-0000-0000-000000000000',
  updated_at timestamptz not null default now()
);
alter table public.retention_marks enable row level security;
alter table public.retention_marks force row level security;
drop policy if exists tenant_isolation on public.retention_marks;
create policy tenant_isolation on public.retention_marks for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.retention_marks from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.retention_marks from authenticated;
  end if;
end
$$;
revoke all on public.retention_marks from receptionist_app, receptionist_console;

-- What a customer's activity is read through, per customer (escalations had no index by conversation;
-- media by arrival).
create index if not exists escalations_by_identity on public.escalations (organization_id, chat_identity_id);
create index if not exists chat_messages_media on public.chat_messages (organization_id, created_at, id)
  where direction = 'inbound' and kind in ('audio', 'voice', 'image');

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'receptionist_retention') then
    create role receptionist_retention login noinherit nobypassrls;
  end if;
end
$$;
grant usage on schema public to receptionist_retention;

-- -- the rules ---------------------------------------------------------------------------------
create or replace function public.retention_windows(org uuid)
returns table (text_months integer, media_days integer, usage_months integer)
language sql stable
set search_path = public, pg_temp
as $$
  select coalesce(s.retention_months, 12), coalesce(s.media_retention_days, 30), coalesce(s.usage_retention_months, 24)
  from (select 1) one left join public.agent_settings s on s.organization_id = org
$$;
revoke all on function public.retention_windows(uuid) from public;

-- The last thing that happened with one customer (a number) of the business: their chat identity
-- made or written from, any message either way, a consent event, an escalation opened or resolved,
-- their contact(s) made (the number's, or linked from the identity, as erasure finds them), any of
-- their appointments booked, changed or starting (one still to come is in the future). NULL: no
-- such customer.
create or replace function public.retention_last_activity(org uuid, number text)
returns timestamptz
language sql stable
set search_path = public, pg_temp
as $$
  with identities as (
    select i.id, i.contact_id, i.created_at, i.last_inbound_at from public.chat_identities i
    where i.organization_id = org and i.customer_number = number
  ), contacts as (
    select c.id, c.created_at from public.contacts c
    where c.organization_id = org
      and (c.phone = number or c.id in (select contact_id from identities where contact_id is not null))
  )
  select greatest(
    (select max(greatest(i.created_at, i.last_inbound_at)) from identities i),
    (select max(m.created_at) from public.chat_messages m
     where m.organization_id = org and m.chat_identity_id in (select id from identities)),
    (select max(greatest(e.at, e.recorded_at)) from public.consent_events e
     where e.organization_id = org and e.chat_identity_id in (select id from identities)),
    (select max(greatest(x.created_at, x.resolved_at)) from public.escalations x
     where x.organization_id = org and x.chat_identity_id in (select id from identities)),
    (select max(c.created_at) from contacts c),
    (select max(greatest(a.starts_at, a.created_at, a.updated_at)) from public.appointments a
     where a.organization_id = org and a.contact_id in (select id from contacts))
  )
$$;
revoke all on function public.retention_last_activity(uuid, text) from public;

create or replace function public.retention_is_due(org uuid, number text)
returns boolean
language sql stable
set search_path = public, pg_temp
as $$
  select coalesce(
    public.retention_last_activity(org, number)
      < now() - make_interval(months => (select w.text_months from public.retention_windows(org) w)),
    false)
$$;
revoke all on function public.retention_is_due(uuid, text) from public;

-- -- what the function calls (SECURITY DEFINER, receptionist_retention only) --------------------
create or replace function public.retention_businesses()
returns table (organization_id uuid, apps text[], text_months integer, media_days integer, usage_months integer)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id,
         array(select pc.app_name from public.platform_connections pc
               where pc.organization_id = o.id and pc.provider = 'gupshup' order by pc.app_name),
         w.text_months, w.media_days, w.usage_months
  from public.organizations o cross join lateral public.retention_windows(o.id) w
  order by o.created_at, o.id
$$;
revoke all on function public.retention_businesses() from public;

-- Customers due for removal, the oldest activity first, after (after_at, after_number): a run pages
-- through them and never meets one twice. Candidates are read cheaply first (every identity and
-- contact whose own times are before the cutoff: a customer's activity is at least those), then
-- each is checked by its whole activity.
create or replace function public.retention_due(org uuid, max_count integer, after_at timestamptz, after_number text)
returns table (customer_number text, last_activity timestamptz)
language sql stable security definer
set search_path = public, pg_temp
as $$
  with cutoff as (
    select now() - make_interval(months => w.text_months) as at from public.retention_windows(org) w
  ), candidates as (
    select i.customer_number as number from public.chat_identities i, cutoff
    where i.organization_id = org and greatest(i.created_at, i.last_inbound_at) < cutoff.at
    union
    select c.phone from public.contacts c, cutoff
    where c.organization_id = org and c.created_at < cutoff.at
  ), active as (
    select n.number, public.retention_last_activity(org, n.number) as at from candidates n
  )
  select a.number, a.at from active a, cutoff
  where a.at < cutoff.at
    and (after_at is null or (a.at, a.number) > (after_at, coalesce(after_number, '')))
  order by a.at, a.number
  limit least(greatest(coalesce(max_count, 1), 1), 1000)
$$;
revoke all on function public.retention_due(uuid, integer, timestamptz, text) from public;

-- Begin (or resume) removing a due customer: the same request an owner's erasure makes (mode
-- erase), named 'retention', with the window as its reason; the audit line as an erasure's. No hold
-- (the bot is left as it is): a customer who writes meanwhile is found active by retention_finish,
-- and the request is cancelled, nothing lost.
create or replace function public.retention_begin(org uuid, number text, ref text)
returns jsonb
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  req public.privacy_requests;
  created boolean := false;
  months integer;
begin
  if number is null or number !~ '^[0-9]{6,15}$' then
    raise exception 'the number must be 6 to 15 digits' using errcode = 'RC422';
  end if;
  if ref is null or ref !~ '^c-[0-9a-f]{32}$' then
    raise exception 'a pseudonym is c- and 32 hex digits' using errcode = 'RC422';
  end if;
  if not public.retention_is_due(org, number) then
    raise exception 'the customer is not due for removal' using errcode = 'RC409';
  end if;
  select w.text_months into months from public.retention_windows(org) w;
  select r.* into req from public.privacy_requests r
  where r.organization_id = org and r.customer_ref = ref and r.status = 'running'
  for update;
  if found and req.actor <> 'retention' then
    raise exception 'another request for this customer is running' using errcode = 'RC409';
  end if;
  if req.id is null then
    insert into public.privacy_requests (organization_id, customer_ref, mode, reason, actor)
    values (org, ref, 'erase',
            format('retention: no activity for %s months (agent_settings.retention_months)', months), 'retention')
    on conflict (organization_id, customer_ref) where status = 'running' do nothing
    returning * into req;
    if req.id is null then  -- another run began it meanwhile: resume theirs (if it is retention's)
      select r.* into req from public.privacy_requests r
      where r.organization_id = org and r.customer_ref = ref and r.status = 'running';
      if req.actor <> 'retention' then
        raise exception 'another request for this customer is running' using errcode = 'RC409';
      end if;
    else
      created := true;
      insert into public.audit_log (organization_id, actor, action, target, details)
      values (org, 'retention', 'customer_erase_requested', req.customer_ref,
              jsonb_build_object('request', req.id, 'reason', req.reason, 'until', null));
    end if;
  end if;
  return jsonb_build_object(
    'request', req.id, 'mode', req.mode, 'until', null, 'resumed', not created,
    'steps', req.steps, 'refs', public.privacy_refs(org, number));
end
$$;
revoke all on function public.retention_begin(uuid, text, text) from public;

create or replace function public.retention_step(org uuid, ref text, step text, details jsonb)
returns void
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
begin
  perform 1 from public.privacy_requests r
  where r.organization_id = org and r.customer_ref = ref and r.status = 'running' and r.actor = 'retention';
  if not found then
    raise exception 'no retention request running for this customer' using errcode = 'RC404';
  end if;
  perform public.forget_step(null, org, ref, 'retention', step, details);
end
$$;
revoke all on function public.retention_step(uuid, text, text, jsonb) from public;

-- Cancel a running retention request (the customer is active again), audited.
create or replace function public.retention_cancel_request(org uuid, request uuid, why text)
returns void
language sql volatile
set search_path = public, pg_temp
as $$
  with cancelled as (
    update public.privacy_requests r set status = 'cancelled', finished_at = now(),
      counts = jsonb_build_object('cancelled', why)
    where r.organization_id = org and r.id = request and r.status = 'running' and r.actor = 'retention'
    returning r.id, r.customer_ref, r.steps
  )
  insert into public.audit_log (organization_id, actor, action, target, details)
  select org, 'retention', 'customer_erase_cancelled', c.customer_ref,
         jsonb_build_object('request', c.id, 'why', why, 'stores', c.steps)
  from cancelled c
$$;
revoke all on function public.retention_cancel_request(uuid, uuid, text) from public;

-- Finish: the customer still due, forget_finish removes their CRM rows (one transaction, audited
-- 'customer_erased'); active again (a message, a booking since the request began), cancelled.
create or replace function public.retention_finish(org uuid, number text, ref text)
returns jsonb
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
declare
  req public.privacy_requests;
begin
  select r.* into req from public.privacy_requests r
  where r.organization_id = org and r.customer_ref = ref and r.status = 'running' and r.actor = 'retention'
  for update;
  if not found then
    raise exception 'no retention request running for this customer' using errcode = 'RC404';
  end if;
  if not public.retention_is_due(org, number) then
    perform public.retention_cancel_request(org, req.id, 'active');
    return jsonb_build_object('request', req.id, 'mode', req.mode, 'until', null, 'cancelled', true);
  end if;
  return public.forget_finish(null, org, number, ref, 'retention');
end
$$;
revoke all on function public.retention_finish(uuid, text, text) from public;

-- The customer turned out active (a message buffered, not yet in the CRM): their running retention
-- request is cancelled. Whether there was one.
create or replace function public.retention_cancel(org uuid, ref text)
returns boolean
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
declare
  request uuid;
begin
  select r.id into request from public.privacy_requests r
  where r.organization_id = org and r.customer_ref = ref and r.status = 'running' and r.actor = 'retention'
  for update;
  if request is null then
    return false;
  end if;
  perform public.retention_cancel_request(org, request, 'active');
  return true;
end
$$;
revoke all on function public.retention_cancel(uuid, text) from public;

-- Retention requests running for over an hour (a run lasts at most 15 minutes: the one that began
-- them died). Cancelled; a customer still due is begun again (every step is idempotent). How many.
create or replace function public.retention_cancel_stale(org uuid)
returns integer
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
declare
  stale uuid;
  n integer := 0;
begin
  for stale in
    select r.id from public.privacy_requests r
    where r.organization_id = org and r.status = 'running' and r.actor = 'retention'
      and r.started_at < now() - interval '1 hour'
    for update skip locked
  loop
    perform public.retention_cancel_request(org, stale, 'stale');
    n := n + 1;
  end loop;
  return n;
end
$$;
revoke all on function public.retention_cancel_stale(uuid) from public;

-- Media past the business's days, after the mark, oldest first: the customer's number and the
-- message's Gupshup id, from which the copy's key derives (receptionist/privacy/keys.py media_key,
-- one per Gupshup app of the business).
create or replace function public.retention_media_due(org uuid, max_count integer)
returns table (customer_number text, message_id text, received_at timestamptz, id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select i.customer_number, m.provider_message_id, m.created_at, m.id
  from public.chat_messages m
  join public.chat_identities i on i.organization_id = m.organization_id and i.id = m.chat_identity_id
  cross join public.retention_windows(org) w
  left join public.retention_marks k on k.organization_id = org
  where m.organization_id = org and m.direction = 'inbound' and m.kind in ('audio', 'voice', 'image')
    and m.provider_message_id is not null
    and m.created_at <= now() - make_interval(days => w.media_days)
    and (m.created_at, m.id) > (coalesce(k.media_at, '-infinity'), coalesce(k.media_id, '00000000-0000-0000-0000-000000000000'))
  order by m.created_at, m.id
  limit least(greatest(coalesce(max_count, 1), 1), 1000)
$$;
revoke all on function public.retention_media_due(uuid, integer) from public;

-- The media of every message up to (at, id) is deleted: the mark moves forward only, and never past
-- the business's cutoff.
create or replace function public.retention_media_done(org uuid, at timestamptz, id uuid)
returns void
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
#variable_conflict use_column
begin
  if at is null or id is null
     or at > now() - make_interval(days => (select w.media_days from public.retention_windows(org) w)) then
    raise exception 'the mark must be a media message past its days' using errcode = 'RC422';
  end if;
  insert into public.retention_marks as k (organization_id, media_at, media_id)
  values (org, retention_media_done.at, retention_media_done.id)
  on conflict (organization_id) do update set media_at = excluded.media_at, media_id = excluded.media_id,
    updated_at = now()
  where (excluded.media_at, excluded.media_id) > (k.media_at, k.media_id);
end
$$;
revoke all on function public.retention_media_done(uuid, timestamptz, uuid) from public;

-- Usage rows and budget notices past the business's window, at most max_count of each, deleted.
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
  return jsonb_build_object('turn_usage', usage_rows, 'budget_notices', notices);
end
$$;
revoke all on function public.retention_usage(uuid, integer) from public;

-- Blocked customers whose date has come (LOPDGDD art. 32.2: then destroyed): the vault row's id and
-- the S3 keys of the media it kept (under blocked/<pseudonym>/, no number). Never the record itself.
create or replace function public.retention_vault_due(org uuid, max_count integer)
returns table (id uuid, media text[])
language sql stable security definer
set search_path = public, pg_temp
as $$
  select b.id, b.media from public.blocked_customers b
  where b.organization_id = org and b.blocked_until <= current_date
  order by b.blocked_until, b.id
  limit least(greatest(coalesce(max_count, 1), 1), 1000)
$$;
revoke all on function public.retention_vault_due(uuid, integer) from public;

-- Destroy one vault row at its date (its media deleted first by the caller), audited by pseudonym.
create or replace function public.retention_vault_remove(org uuid, vault uuid)
returns boolean
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
declare
  gone public.blocked_customers;
  ref text;
begin
  delete from public.blocked_customers b
  where b.organization_id = org and b.id = vault and b.blocked_until <= current_date
  returning b.* into gone;
  if gone.id is null then
    return false;
  end if;
  select r.customer_ref into ref from public.privacy_requests r
  where r.organization_id = org and r.id = gone.request_id;
  insert into public.audit_log (organization_id, actor, action, target, details)
  values (org, 'retention', 'blocked_customer_destroyed', ref, jsonb_build_object(
    'request', gone.request_id, 'until', gone.blocked_until, 'media', cardinality(gone.media)));
  return true;
end
$$;
revoke all on function public.retention_vault_remove(uuid, uuid) from public;

grant execute on function
  public.retention_businesses(),
  public.retention_due(uuid, integer, timestamptz, text),
  public.retention_begin(uuid, text, text),
  public.retention_step(uuid, text, text, jsonb),
  public.retention_finish(uuid, text, text),
  public.retention_cancel(uuid, text),
  public.retention_cancel_stale(uuid),
  public.retention_media_due(uuid, integer),
  public.retention_media_done(uuid, timestamptz, uuid),
  public.retention_usage(uuid, integer),
  public.retention_vault_due(uuid, integer),
  public.retention_vault_remove(uuid, uuid)
  to receptionist_retention;

-- Refuse to finish when the retention role may touch a table, or execute a SECURITY DEFINER
-- function that is not one of its own; or when one of its own is executable by anyone else.
do $$
declare
  tables text;
  foreign_functions text;
  shared_functions text;
begin
  select string_agg(c.relname, ', ' order by c.relname) into tables
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p', 'v')
    and (pg_catalog.has_table_privilege('receptionist_retention', c.oid, 'select')
         or pg_catalog.has_table_privilege('receptionist_retention', c.oid, 'insert')
         or pg_catalog.has_table_privilege('receptionist_retention', c.oid, 'update')
         or pg_catalog.has_table_privilege('receptionist_retention', c.oid, 'delete'));
  if tables is not null then
    raise exception 'tables the retention role may touch: %', tables;
  end if;
  select string_agg(p.oid::regprocedure::text, ', ') into foreign_functions
  from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public' and p.prosecdef and p.proname not like 'retention\_%'
    and pg_catalog.has_function_privilege('receptionist_retention', p.oid, 'execute');
  if foreign_functions is not null then
    raise exception 'SECURITY DEFINER functions the retention role may execute: %', foreign_functions;
  end if;
  select string_agg(p.oid::regprocedure::text, ', ') into shared_functions
  from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public' and p.prosecdef and p.proname like 'retention\_%'
    and (pg_catalog.has_function_privilege('receptionist_app', p.oid, 'execute')
         or pg_catalog.has_function_privilege('receptionist_console', p.oid, 'execute')
         or p.proacl is null
         or exists (select 1 from pg_catalog.aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'));
  if shared_functions is not null then
    raise exception 'retention functions executable beyond the retention role: %', shared_functions;
  end if;
end
$$;
