-- Blocking and erasing one customer of one business (issue 25; docs/privacy.md, "Blocking and
-- erasing one customer"; the data map: receptionist/privacy/stores.py).
--
--   appointments.contact_id         may be NULL: an erased customer's appointments stay as
--                                   anonymous rows (the business's counts: outcomes, no-shows).
--   turn_usage.chat_identity_id     may be NULL, and becomes NULL when the conversation goes
--                                   (on delete set null): usage is the business's.
--   agent_settings.block_years      how long a blocked customer's data is kept for legal claims
--                                   when no date is given (default 5: Spain's general limitation
--                                   period for personal actions, Código Civil art. 1964.2, and the
--                                   minimum life of a clinical record, Ley 41/2002 art. 17.1).
--   privacy_requests                one row per block or erasure: the customer's pseudonym (a keyed
--                                   HMAC of organization and number, computed by the caller: the
--                                   key stays in SSM), mode, reason, who, its date for a block, the
--                                   steps done so far (a run that stopped midway is finished by the
--                                   next one) and what each store held. Owner only.
--   blocked_customers               the vault: a blocked customer's whole CRM record (JSON) and the
--                                   S3 keys of their media, until its date. Owner only: neither
--                                   function role may read it (LOPDGDD art. 32: blocked data is
--                                   kept only to be handed to courts and authorities).
--
--   privacy_customer_record(org, number)   the CRM's record of one customer as one JSON document
--                                          (the vault's content; export reuses it). Owner only.
--   forget_begin / forget_step / forget_finish   the request's three moves (SECURITY DEFINER,
--                                   executable by the console's role; the tables' owner runs them
--                                   from ops): begin (or resume) a request, audited, holding the
--                                   conversation (bot off) and returning what keys the customer's
--                                   items elsewhere; record a step done elsewhere; finish: the
--                                   vault for a block, then the rows deleted or anonymised, the
--                                   request done, audited. A console caller must be an owner of
--                                   the organization (its Cognito sub); with no sub, only a caller
--                                   that is not the console's role (ops, as the owner).
--   Errors: RC403 not allowed, RC422 a value refused (the reason naming the customer included),
--   RC404 no request running.

alter table public.appointments alter column contact_id drop not null;

alter table public.turn_usage alter column chat_identity_id drop not null;
do $$
declare
  old_fk text;
begin
  select con.conname into old_fk
  from pg_catalog.pg_constraint con
  where con.conrelid = 'public.turn_usage'::regclass and con.contype = 'f'
    and con.confrelid = 'public.chat_identities'::regclass;
  if old_fk is not null then
    execute format('alter table public.turn_usage drop constraint %I', old_fk);
  end if;
end
$$;
alter table public.turn_usage
  add constraint turn_usage_chat_identity_fkey foreign key (organization_id, chat_identity_id)
    references public.chat_identities (organization_id, id) on delete set null (chat_identity_id);

alter table public.agent_settings
  add column if not exists block_years integer not null default 5
    constraint agent_settings_block_years_check check (block_years between 1 and 30);

create table if not exists public.privacy_requests (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  customer_ref text not null constraint privacy_requests_customer_ref_check check (customer_ref ~ '^c-[0-9a-f]{32}$'),
  mode text not null constraint privacy_requests_mode_check check (mode in ('block', 'erase')),
  reason text not null constraint privacy_requests_reason_check check (char_length(btrim(reason)) between 3 and 500),
  blocked_until date,
  actor text not null constraint privacy_requests_actor_check check (char_length(actor) between 1 and 300),
  status text not null default 'running'
    constraint privacy_requests_status_check check (status in ('running', 'done', 'superseded')),
  steps jsonb not null default '{}',
  counts jsonb,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (organization_id, id),
  constraint privacy_requests_until_check check ((mode = 'block') = (blocked_until is not null))
);
create unique index if not exists privacy_requests_one_running
  on public.privacy_requests (organization_id, customer_ref) where status = 'running';

create table if not exists public.blocked_customers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  request_id uuid not null,
  customer_number text not null constraint blocked_customers_number_check check (customer_number ~ '^[0-9]{6,15}$'),
  blocked_until date not null,
  record jsonb not null,
  media text[] not null default '{}',
  blocked_at timestamptz not null default now(),
  foreign key (organization_id, request_id) references public.privacy_requests (organization_id, id)
);
create index if not exists blocked_customers_number on public.blocked_customers (organization_id, customer_number);
create index if not exists blocked_customers_until on public.blocked_customers (blocked_until);

-- Row level security like every table, with the tenant policy; no role is granted either table:
-- only the functions below (and the owner) touch them.
do $$
declare
  t text;
begin
  foreach t in array array['privacy_requests', 'blocked_customers'] loop
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
revoke all on public.privacy_requests, public.blocked_customers from receptionist_app, receptionist_console;

-- The CRM's whole record of one customer of one business, as one JSON document: every row that
-- names them (their contacts, conversations with every message, summary and escalations,
-- appointments with their history and reminders, usage). Rows go in whole (to_jsonb), so a
-- column added later is in it too.
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
      where a.organization_id = organization and a.contact_id in (select id from contacts))
  )
$$;
revoke all on function public.privacy_customer_record(uuid, text) from public;

-- Who is asking: a console owner of `organization` (by the verified token's sub: their e-mail),
-- or, with no sub, ops as the owner (`actor`, e.g. 'ops:maria'); never the console's role
-- without a sub, nor a staff or operator account.
create or replace function public.privacy_actor(caller_sub text, organization uuid, actor text)
returns text
language plpgsql stable
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  who text;
begin
  if caller_sub is not null then
    select u.email into who from public.console_users u
    where u.sub = caller_sub and u.role = 'owner' and u.organization_id = organization;
    if who is null then
      raise exception 'only an owner of the business may block or erase a customer' using errcode = 'RC403';
    end if;
    return who;
  end if;
  if session_user::text = 'receptionist_console' then
    raise exception 'the console acts for a signed-in owner' using errcode = 'RC403';
  end if;
  if actor is null or char_length(btrim(actor)) not between 1 and 300 then
    raise exception 'an actor is needed' using errcode = 'RC422';
  end if;
  return btrim(actor);
end
$$;
revoke all on function public.privacy_actor(text, uuid, text) from public;

-- Whether `reason` names the customer: their number (its last 9 digits, however written) or one
-- of their names (a whole name anywhere, or a part of 3 or more letters as a word of its own). The audit line and the
-- request keep the reason after the data is gone, so it must not carry it.
create or replace function public.privacy_reason_names_customer(organization uuid, number text, reason text)
returns boolean
language sql stable
set search_path = public, pg_temp
as $$
  with names as (
    select n from (
      select c.name as n from public.contacts c where c.organization_id = organization and c.phone = number
      union select i.display_name from public.chat_identities i
        where i.organization_id = organization and i.customer_number = number
      union select c.name from public.contacts c join public.chat_identities i
        on i.organization_id = c.organization_id and i.contact_id = c.id
        where i.organization_id = organization and i.customer_number = number
      union select b.record #>> '{contacts,0,name}' from public.blocked_customers b
        where b.organization_id = organization and b.customer_number = number
    ) all_names where n is not null
  ), parts as (
    select lower(w) as w from names cross join lateral regexp_split_to_table(n, '[^[:alnum:]]+') as w
  )
  select regexp_replace(reason, '[^0-9]', '', 'g') like '%' || right(number, 9) || '%'
    or exists (select 1 from names where char_length(btrim(n)) >= 3 and strpos(lower(reason), lower(btrim(n))) > 0)
    or exists (
      select 1 from parts join regexp_split_to_table(lower(reason), '[^[:alnum:]]+') as said on said = parts.w
      where char_length(parts.w) >= 3
    )
$$;
revoke all on function public.privacy_reason_names_customer(uuid, text, text) from public;

-- What keys the customer's items outside the CRM (receptionist.privacy.stores.CrmRefs).
create or replace function public.privacy_refs(organization uuid, number text)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  with identities as (
    select i.id from public.chat_identities i where i.organization_id = organization and i.customer_number = number
  ), contacts as (
    select c.id from public.contacts c
    where c.organization_id = organization
      and (c.phone = number or c.id in (
        select i.contact_id from public.chat_identities i
        where i.organization_id = organization and i.customer_number = number and i.contact_id is not null))
  )
  select jsonb_build_object(
    'apps', (
      select coalesce(jsonb_agg(pc.app_name order by pc.app_name), '[]') from public.platform_connections pc
      where pc.organization_id = organization and pc.provider = 'gupshup'),
    'identities', (select coalesce(jsonb_agg(id::text order by id), '[]') from identities),
    'outbound', (
      select coalesce(jsonb_agg(jsonb_build_array(job, last_part) order by job), '[]') from (
        select m.turn_id as job, max(m.part_index) as last_part from public.chat_messages m
        where m.organization_id = organization and m.chat_identity_id in (select id from identities)
          and m.direction = 'outbound' and m.turn_id is not null
        group by m.turn_id
        union
        select 'reminder#' || r.id, 0 from public.appointment_reminders r
        join public.appointments a on a.organization_id = r.organization_id and a.id = r.appointment_id
        where r.organization_id = organization and a.contact_id in (select id from contacts)
      ) jobs),
    'escalation_turns', (
      select coalesce(jsonb_agg(distinct e.turn_id), '[]') from public.escalations e
      where e.organization_id = organization and e.chat_identity_id in (select id from identities)
        and e.turn_id is not null),
    'staff_numbers', (
      select coalesce(to_jsonb(n.staff_numbers), '[]') from public.notification_settings n
      where n.organization_id = organization),
    'blocked_media', (
      select coalesce(jsonb_agg(k order by k), '[]') from public.blocked_customers b cross join lateral unnest(b.media) k
      where b.organization_id = organization and b.customer_number = number)
  )
$$;
revoke all on function public.privacy_refs(uuid, text) from public;

-- Begin (or resume) blocking or erasing a customer.
create or replace function public.forget_begin(
  caller_sub text,
  organization uuid,
  number text,
  customer_ref text,
  mode text,
  keep_until date,
  reason text,
  actor text
)
returns jsonb
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  who text;
  req public.privacy_requests;
  created boolean := false;
  kept_for integer;
begin
  who := public.privacy_actor(caller_sub, organization, actor);
  if mode is null or mode not in ('block', 'erase') then
    raise exception 'mode must be block or erase' using errcode = 'RC422';
  end if;
  if number is null or number !~ '^[0-9]{6,15}$' then
    raise exception 'the number must be 6 to 15 digits' using errcode = 'RC422';
  end if;
  if customer_ref is null or customer_ref !~ '^c-[0-9a-f]{32}$' then
    raise exception 'a pseudonym is c- and 32 hex digits' using errcode = 'RC422';
  end if;
  if reason is null or char_length(btrim(reason)) not between 3 and 500 then
    raise exception 'a reason of 3 to 500 characters is needed' using errcode = 'RC422';
  end if;
  if public.privacy_reason_names_customer(organization, number, reason) then
    raise exception 'the reason must not name the customer (it outlives their data)' using errcode = 'RC422';
  end if;
  if mode = 'erase' and keep_until is not null then
    raise exception 'an erasure takes no date' using errcode = 'RC422';
  end if;
  if mode = 'block' and keep_until is not null and keep_until <= current_date then
    raise exception 'a block lasts until a later date' using errcode = 'RC422';
  end if;

  select r.* into req from public.privacy_requests r
  where r.organization_id = organization and r.customer_ref = forget_begin.customer_ref and r.status = 'running'
  for update;
  if found and req.mode <> forget_begin.mode then
    -- A block that stopped midway, now an erasure (or the reverse): what it did elsewhere is done;
    -- the new request finishes the job its own way.
    update public.privacy_requests set status = 'superseded', finished_at = now() where id = req.id;
    req := null;
  end if;
  if req.id is null then
    select s.block_years into kept_for from public.agent_settings s where s.organization_id = organization;
    insert into public.privacy_requests (organization_id, customer_ref, mode, reason, blocked_until, actor)
    values (
      organization, forget_begin.customer_ref, forget_begin.mode, btrim(forget_begin.reason),
      case when forget_begin.mode = 'block'
        then coalesce(forget_begin.keep_until, (current_date + make_interval(years => coalesce(kept_for, 5)))::date) end,
      who
    )
    on conflict (organization_id, customer_ref) where status = 'running' do nothing
    returning * into req;
    if req.id is null then  -- another caller began the same request meanwhile: resume theirs
      select r.* into req from public.privacy_requests r
      where r.organization_id = organization and r.customer_ref = forget_begin.customer_ref and r.status = 'running';
    else
      created := true;
      insert into public.audit_log (organization_id, actor, action, target, details)
      values (organization, who, 'customer_' || req.mode || '_requested', req.customer_ref, jsonb_build_object(
        'request', req.id, 'reason', req.reason, 'until', req.blocked_until));
    end if;
  end if;

  -- The hold: while the request runs, no turn of the assistant (no new memory, trace or reply).
  update public.chat_identities set bot_enabled = false, updated_at = now()
  where organization_id = organization and customer_number = number and bot_enabled;

  return jsonb_build_object(
    'request', req.id, 'mode', req.mode, 'until', req.blocked_until, 'resumed', not created,
    'steps', req.steps, 'refs', public.privacy_refs(organization, number));
end
$$;
revoke all on function public.forget_begin(text, uuid, text, text, text, date, text, text) from public;

-- A step done outside the CRM (a store emptied), with what it found.
create or replace function public.forget_step(
  caller_sub text, organization uuid, customer_ref text, actor text, step text, details jsonb
)
returns void
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
#variable_conflict use_column
begin
  perform public.privacy_actor(caller_sub, organization, actor);
  if step is null or step !~ '^[a-z_]{1,40}$' then
    raise exception 'a step is a short name' using errcode = 'RC422';
  end if;
  update public.privacy_requests r set steps = r.steps || jsonb_build_object(step, coalesce(details, '{}'))
  where r.organization_id = organization and r.customer_ref = forget_step.customer_ref and r.status = 'running';
  if not found then
    raise exception 'no request running for this customer' using errcode = 'RC404';
  end if;
end
$$;
revoke all on function public.forget_step(text, uuid, text, text, text, jsonb) from public;

-- Finish: the vault (block), then every row of the customer deleted or anonymised, in one
-- transaction (the function's), the request done and audited. What each table held comes back.
create or replace function public.forget_finish(
  caller_sub text, organization uuid, number text, customer_ref text, actor text
)
returns jsonb
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  who text;
  req public.privacy_requests;
  identity_ids uuid[];
  contact_ids uuid[];
  appointment_ids uuid[];
  tally jsonb := '{}';
  n integer;
begin
  who := public.privacy_actor(caller_sub, organization, actor);
  select r.* into req from public.privacy_requests r
  where r.organization_id = organization and r.customer_ref = forget_finish.customer_ref and r.status = 'running'
  for update;
  if not found then
    raise exception 'no request running for this customer' using errcode = 'RC404';
  end if;

  identity_ids := array(
    select i.id from public.chat_identities i where i.organization_id = organization and i.customer_number = number);
  contact_ids := array(
    select c.id from public.contacts c
    where c.organization_id = organization
      and (c.phone = number or c.id in (
        select i.contact_id from public.chat_identities i where i.id = any(identity_ids) and i.contact_id is not null)));
  appointment_ids := array(
    select a.id from public.appointments a where a.organization_id = organization and a.contact_id = any(contact_ids));

  if req.mode = 'block' and (cardinality(identity_ids) > 0 or cardinality(contact_ids) > 0
                             or jsonb_array_length(coalesce(req.steps #> '{media,kept}', '[]')) > 0) then
    insert into public.blocked_customers (organization_id, request_id, customer_number, blocked_until, record, media)
    values (
      organization, req.id, number, req.blocked_until, public.privacy_customer_record(organization, number),
      array(select jsonb_array_elements_text(coalesce(req.steps #> '{media,kept}', '[]'))));
    tally := tally || jsonb_build_object('blocked_customers', 1);
  end if;

  -- Appointments still to come are cancelled (nobody will come, the slot is free), with history.
  with cancelled as (
    update public.appointments a set status = 'cancelled', updated_at = now()
    where a.organization_id = organization and a.id = any(appointment_ids)
      and a.status in ('pending', 'confirmed') and a.starts_at > now()
    returning a.id, a.starts_at
  ), history as (
    insert into public.appointment_history (organization_id, appointment_id, action, old_starts_at, actor)
    select organization, c.id, 'cancelled', c.starts_at, 'privacy:' || req.mode from cancelled c
    returning 1
  )
  select count(*) into n from history;
  tally := tally || jsonb_build_object('appointments_cancelled', n);
  update public.appointment_reminders r set token = replace(gen_random_uuid()::text, '-', ''), updated_at = now()
  where r.organization_id = organization and r.appointment_id = any(appointment_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('appointment_reminders', n);
  update public.appointments a set contact_id = null, notes = null, idempotency_key = null, updated_at = now()
  where a.organization_id = organization and a.id = any(appointment_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('appointments', n);

  delete from public.thread_summaries t where t.organization_id = organization and t.chat_identity_id = any(identity_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('thread_summaries', n);
  delete from public.escalations e where e.organization_id = organization and e.chat_identity_id = any(identity_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('escalations', n);
  delete from public.chat_messages m where m.organization_id = organization and m.chat_identity_id = any(identity_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('chat_messages', n);
  update public.turn_usage u set chat_identity_id = null
  where u.organization_id = organization and u.chat_identity_id = any(identity_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('turn_usage', n);
  delete from public.budget_notices b
  where b.organization_id = organization and b.scope = any(array(select 'turns:' || i from unnest(identity_ids) i));
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('budget_notices', n);
  delete from public.chat_identities i where i.id = any(identity_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('chat_identities', n);
  delete from public.contacts c where c.id = any(contact_ids);
  get diagnostics n = row_count;
  tally := tally || jsonb_build_object('contacts', n);
  if req.mode = 'erase' then
    delete from public.blocked_customers b where b.organization_id = organization and b.customer_number = number;
    get diagnostics n = row_count;
    tally := tally || jsonb_build_object('blocked_customers', n);
  end if;

  update public.privacy_requests set status = 'done', finished_at = now(), counts = tally
  where id = req.id;
  insert into public.audit_log (organization_id, actor, action, target, details)
  values (organization, who, case req.mode when 'erase' then 'customer_erased' else 'customer_blocked' end,
          req.customer_ref, jsonb_build_object(
            'request', req.id, 'reason', req.reason, 'until', req.blocked_until,
            'rows', tally, 'stores', req.steps #- '{media,kept}'));
  return jsonb_build_object('request', req.id, 'mode', req.mode, 'until', req.blocked_until, 'rows', tally);
end
$$;
revoke all on function public.forget_finish(text, uuid, text, text, text) from public;

do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'receptionist_console') then
    grant execute on function public.forget_begin(text, uuid, text, text, text, date, text, text) to receptionist_console;
    grant execute on function public.forget_step(text, uuid, text, text, text, jsonb) to receptionist_console;
    grant execute on function public.forget_finish(text, uuid, text, text, text) to receptionist_console;
  end if;
end
$$;
