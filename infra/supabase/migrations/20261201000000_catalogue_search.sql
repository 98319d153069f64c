-- What the assistant knows about a business, made cheap to put in the prompt and good to search.
--
--   * `updated_at` on services and knowledge entries (moved by a trigger when their text, price,
--     duration or flags change), and `organizations.catalogue_updated_at`, moved by any insert,
--     update or delete of either table: the processor keeps each business's catalogue block for
--     the system prompt until that value changes (it comes with the organization, no extra query);
--   * embeddings for hybrid search (pgvector, HNSW, cosine), stored with the model that made them
--     and a hash of the text they embed, so a model change or an edit is re-embedded;
--   * a folded (lower case, unaccented) copy of each row's text with a trigram index, for typos.

create extension if not exists vector with schema extensions;

-- unaccent() is only STABLE (its dictionary could change), so it cannot feed a generated column;
-- this wrapper names the dictionary explicitly and is declared IMMUTABLE, as Supabase recommends.
create or replace function public.search_fold(value text) returns text
language sql immutable parallel safe strict
set search_path = ''
as $$ select lower(extensions.unaccent('extensions.unaccent'::regdictionary, value)) $$;

alter table public.services
  add column if not exists updated_at timestamptz not null default now(),
  add column if not exists embedding extensions.vector(1536),
  add column if not exists embedding_model text,
  add column if not exists embedding_hash text,
  add column if not exists search_text text generated always as (public.search_fold(name || ' ' || description)) stored;

alter table public.knowledge_entries
  add column if not exists updated_at timestamptz not null default now(),
  add column if not exists embedding extensions.vector(1536),
  add column if not exists embedding_model text,
  add column if not exists embedding_hash text,
  add column if not exists search_text text generated always as (public.search_fold(title || ' ' || body)) stored;

alter table public.organizations
  add column if not exists catalogue_updated_at timestamptz not null default now();

create index if not exists services_embedding on public.services
  using hnsw (embedding extensions.vector_cosine_ops);
create index if not exists knowledge_entries_embedding on public.knowledge_entries
  using hnsw (embedding extensions.vector_cosine_ops);
create index if not exists services_trigram on public.services
  using gin (search_text extensions.gin_trgm_ops);
create index if not exists knowledge_entries_trigram on public.knowledge_entries
  using gin (search_text extensions.gin_trgm_ops);

-- A row's own change time: only what a customer could be told moves it (not its embedding).
create or replace function public.touch_catalogue_row() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- The business's catalogue changed: any insert, delete, or update of what a customer could be
-- told. SECURITY DEFINER so the functions' role, which may not update organizations, can too;
-- it touches only the row's own organization.
create or replace function public.touch_catalogue() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.organizations set catalogue_updated_at = now()
  where id = case when tg_op = 'DELETE' then old.organization_id else new.organization_id end;
  return null;
end
$$;
revoke all on function public.touch_catalogue() from public;

drop trigger if exists services_touch_row on public.services;
create trigger services_touch_row before update on public.services for each row
  when ((old.name, old.description, old.duration_minutes, old.price_cents, old.currency, old.bookable, old.active)
        is distinct from
        (new.name, new.description, new.duration_minutes, new.price_cents, new.currency, new.bookable, new.active))
  execute function public.touch_catalogue_row();

drop trigger if exists knowledge_entries_touch_row on public.knowledge_entries;
create trigger knowledge_entries_touch_row before update on public.knowledge_entries for each row
  when ((old.title, old.body) is distinct from (new.title, new.body))
  execute function public.touch_catalogue_row();

drop trigger if exists services_touch_catalogue on public.services;
create trigger services_touch_catalogue after insert or delete on public.services
  for each row execute function public.touch_catalogue();
drop trigger if exists services_touch_catalogue_update on public.services;
create trigger services_touch_catalogue_update after update on public.services for each row
  when (old.updated_at is distinct from new.updated_at)
  execute function public.touch_catalogue();

drop trigger if exists knowledge_entries_touch_catalogue on public.knowledge_entries;
create trigger knowledge_entries_touch_catalogue after insert or delete on public.knowledge_entries
  for each row execute function public.touch_catalogue();
drop trigger if exists knowledge_entries_touch_catalogue_update on public.knowledge_entries;
create trigger knowledge_entries_touch_catalogue_update after update on public.knowledge_entries for each row
  when (old.updated_at is distinct from new.updated_at)
  execute function public.touch_catalogue();

-- The organization lookup now also says when its catalogue last changed (a new column in the
-- result: the function is dropped and created again).
drop function if exists public.resolve_gupshup_app(text);
create function public.resolve_gupshup_app(app text)
returns table (
  id uuid, name text, app_name text, business_number text, api_key_ref text,
  assistant_name text, tone text, instructions text, language text, timezone text,
  booking_lead_minutes integer, booking_horizon_days integer, slot_step_minutes integer,
  catalogue_updated_at timestamptz
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, o.name, pc.app_name, pc.business_number, pc.api_key_ref,
         s.assistant_name, s.tone, s.instructions, s.language, s.timezone,
         s.booking_lead_minutes, s.booking_horizon_days, s.slot_step_minutes,
         o.catalogue_updated_at
  from public.platform_connections pc
  join public.organizations o on o.id = pc.organization_id
  join public.agent_settings s on s.organization_id = o.id
  where pc.provider = 'gupshup' and pc.app_name = app and pc.active
$$;
revoke all on function public.resolve_gupshup_app(text) from public;
revoke all on function public.search_fold(text) from public;
revoke all on function public.touch_catalogue_row() from public;
grant execute on function public.resolve_gupshup_app(text) to receptionist_app;
-- Whoever writes a row computes its generated search_text.
grant execute on function public.search_fold(text) to receptionist_app;

do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant execute on function public.resolve_gupshup_app(text) to service_role;
    grant execute on function public.search_fold(text) to service_role;
  end if;
end
$$;
