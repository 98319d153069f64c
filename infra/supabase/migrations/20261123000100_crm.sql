-- The CRM: every table carries organization_id; children reference their parents through
-- (organization_id, id) so a row can never point into another organization.
-- Valid on PostgreSQL 15+ (Supabase) and later.

-- Spanish full-text search that ignores accents ("depilacion" finds "depilación").
do $$
begin
  if not exists (select 1 from pg_ts_config where cfgname = 'es_unaccent') then
    create text search configuration public.es_unaccent (copy = pg_catalog.spanish);
    alter text search configuration public.es_unaccent
      alter mapping for hword, hword_part, word with extensions.unaccent, spanish_stem;
  end if;
end $$;

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(trim(name)) > 0),
  created_at timestamptz not null default now()
);

create table public.agent_settings (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  assistant_name text not null default 'Asistente',
  tone text not null default 'cercano y profesional',
  instructions text not null default '',
  language text not null default 'es',
  timezone text not null default 'Europe/Madrid',
  booking_lead_minutes integer not null default 60 check (booking_lead_minutes >= 0),
  booking_horizon_days integer not null default 60 check (booking_horizon_days between 1 and 365),
  slot_step_minutes integer not null default 15 check (slot_step_minutes between 5 and 120),
  updated_at timestamptz not null default now()
);

create table public.platform_connections (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  provider text not null default 'gupshup' check (provider in ('gupshup')),
  app_name text not null check (app_name !~ '[#[:space:]]'),
  business_number text not null check (business_number ~ '^[0-9]{6,15}$'),
  api_key_ref text not null,  -- name of the SSM SecureString holding the app's API key
  active boolean not null default true,
  created_at timestamptz not null default now(),
  unique (provider, app_name)
);

create table public.contacts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text,
  phone text not null check (phone ~ '^[0-9]{6,15}$'),
  email text check (email is null or email ~* '^[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}$'),
  created_at timestamptz not null default now(),
  unique (organization_id, id),
  unique (organization_id, phone)
);

create table public.chat_identities (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  customer_number text not null check (customer_number ~ '^[0-9]{6,15}$'),
  display_name text,
  contact_id uuid,
  bot_enabled boolean not null default true,
  opted_out boolean not null default false,
  last_inbound_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, id),
  unique (organization_id, customer_number),
  foreign key (organization_id, contact_id) references public.contacts (organization_id, id)
);

create table public.chat_messages (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  chat_identity_id uuid not null,
  direction text not null check (direction in ('inbound', 'outbound')),
  kind text not null default 'text',
  raw jsonb,
  processed_text text,
  status text not null default 'received' check (status in
    ('received', 'queued', 'enqueued', 'sent', 'delivered', 'read', 'failed', 'undeliverable')),
  provider_message_id text,
  turn_id text,
  part_index integer not null default 0,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (organization_id, chat_identity_id) references public.chat_identities (organization_id, id)
    on delete cascade
);
create unique index chat_messages_provider_id on public.chat_messages (organization_id, provider_message_id)
  where provider_message_id is not null;
create unique index chat_messages_turn_part on public.chat_messages (organization_id, turn_id, direction, part_index)
  where turn_id is not null and direction = 'outbound';
create index chat_messages_history on public.chat_messages (organization_id, chat_identity_id, created_at desc);

create table public.thread_summaries (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  chat_identity_id uuid not null,
  summary text not null,
  updated_at timestamptz not null default now(),
  primary key (organization_id, chat_identity_id),
  foreign key (organization_id, chat_identity_id) references public.chat_identities (organization_id, id)
    on delete cascade
);

create table public.services (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null,
  description text not null default '',
  duration_minutes integer not null check (duration_minutes between 5 and 480),
  price_cents integer check (price_cents >= 0),
  currency text not null default 'EUR',
  bookable boolean not null default true,
  active boolean not null default true,
  search tsvector generated always as (
    setweight(to_tsvector('public.es_unaccent'::regconfig, name), 'A') ||
    setweight(to_tsvector('public.es_unaccent'::regconfig, description), 'B')
  ) stored,
  unique (organization_id, id),
  unique (organization_id, name)
);
create index services_search on public.services using gin (search);

create table public.members (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null,
  active boolean not null default true,
  unique (organization_id, id),
  unique (organization_id, name)
);

-- Which members perform which services; a service with no row here can be done by anyone.
create table public.member_services (
  organization_id uuid not null,
  member_id uuid not null,
  service_id uuid not null,
  primary key (organization_id, member_id, service_id),
  foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade,
  foreign key (organization_id, service_id) references public.services (organization_id, id) on delete cascade
);

-- Weekly hours in the organization's local wall time; weekday 1 = Monday ... 7 = Sunday (ISO).
create table public.member_hours (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null,
  member_id uuid not null,
  weekday smallint not null check (weekday between 1 and 7),
  starts time not null,
  ends time not null,
  check (starts < ends),
  foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade
);

create table public.member_time_off (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null,
  member_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text,
  check (starts_at < ends_at),
  foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade
);

create table public.appointments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null,
  contact_id uuid not null,
  service_id uuid not null,
  member_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'cancelled', 'completed')),
  idempotency_key text,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (starts_at < ends_at),
  unique (organization_id, id),
  foreign key (organization_id, contact_id) references public.contacts (organization_id, id),
  foreign key (organization_id, service_id) references public.services (organization_id, id),
  foreign key (organization_id, member_id) references public.members (organization_id, id),
  -- Two active appointments of one member never overlap.
  constraint appointments_no_overlap exclude using gist (
    member_id with =, tstzrange(starts_at, ends_at, '[)') with &&
  ) where (status in ('pending', 'confirmed'))
);
create unique index appointments_idempotency on public.appointments (organization_id, idempotency_key)
  where idempotency_key is not null;
create index appointments_contact on public.appointments (organization_id, contact_id, starts_at);
create index appointments_member_time on public.appointments (organization_id, member_id, starts_at);

create table public.appointment_history (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null,
  appointment_id uuid not null,
  action text not null check (action in ('booked', 'confirmed', 'cancelled', 'rescheduled')),
  old_starts_at timestamptz,
  new_starts_at timestamptz,
  old_member_id uuid,
  new_member_id uuid,
  at timestamptz not null default now(),
  foreign key (organization_id, appointment_id) references public.appointments (organization_id, id)
    on delete cascade
);

create table public.knowledge_entries (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  title text not null,
  body text not null,
  search tsvector generated always as (
    setweight(to_tsvector('public.es_unaccent'::regconfig, title), 'A') ||
    setweight(to_tsvector('public.es_unaccent'::regconfig, body), 'B')
  ) stored
);
create index knowledge_entries_search on public.knowledge_entries using gin (search);

create table public.notification_settings (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  staff_numbers text[] not null default '{}',
  escalation_template_id text,
  -- Names of the values filled into the template, in order (customer_name, customer_number, reason).
  escalation_template_params text[] not null default '{customer_name,customer_number,reason}'
);

create table public.escalations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null,
  chat_identity_id uuid not null,
  reason text not null,
  status text not null default 'open' check (status in ('open', 'resolved')),
  turn_id text,
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  foreign key (organization_id, chat_identity_id) references public.chat_identities (organization_id, id)
    on delete cascade
);
create unique index escalations_turn on public.escalations (organization_id, turn_id) where turn_id is not null;

-- Row Level Security on every table, and no policy for Supabase's API roles: the REST API
-- (anon / authenticated) sees nothing. The functions connect as the database owner.
do $$
declare
  t text;
begin
  foreach t in array array[
    'organizations', 'agent_settings', 'platform_connections', 'contacts', 'chat_identities',
    'chat_messages', 'thread_summaries', 'services', 'members', 'member_services', 'member_hours',
    'member_time_off', 'appointments', 'appointment_history', 'knowledge_entries',
    'notification_settings', 'escalations'
  ] loop
    execute format('alter table public.%I enable row level security', t);
    if exists (select 1 from pg_roles where rolname = 'anon') then
      execute format('revoke all on table public.%I from anon', t);
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
      execute format('revoke all on table public.%I from authenticated', t);
    end if;
  end loop;
end $$;
