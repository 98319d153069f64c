-- WhatsApp templates as Gupshup has them (issue 27, point 7): read from Gupshup's template API
-- into message_templates, on demand (the console) and daily (the reminders function), and
-- submitted for approval from the console. Only an approved template that Gupshup still lists may
-- be chosen for reminders, staff notices and replies after the 24-hour window (docs/console.md,
-- "Templates").
--
--   platform_connections.gupshup_app_id        Gupshup's id of the app (its template API is
--                                              /wa/app/<app id>/template); set on the console's
--                                              WhatsApp page, NULL: templates are not synced
--   platform_connections.templates_synced_at   the last sync that read this app's list
--   platform_connections.templates_sync_error  why the last attempt failed (a short code, never
--                                              Gupshup's text), NULL after a good one
--   platform_connections.templates_sync_failed_at  when it failed (the daily run waits before
--                                              trying again)
--   message_templates.name, language, category Gupshup's elementName, languageCode, category
--   message_templates.status                   Gupshup's status (APPROVED, PENDING, REJECTED,
--                                              PAUSED, DISABLED...). Rows made before this
--                                              migration were typed by ops as approved ones.
--   message_templates.rejected_reason          Meta's reason, when Gupshup gives one
--   message_templates.header, footer, buttons  the rest of what the customer sees: buttons as
--                                              [{"type": "QUICK_REPLY", "text": ...}, ...]
--   message_templates.example                  the body with sample values (what Meta reviews)
--   message_templates.removed_at               Gupshup no longer lists it: kept (settings and
--                                              pages name it) but never offered
--   message_templates.synced_at                when a sync last wrote it
--   templates_sync_due(...)                    the connections the daily run syncs, across
--                                              businesses (SECURITY DEFINER, like due_reminders)

alter table public.platform_connections
  add column if not exists gupshup_app_id text
    constraint platform_connections_gupshup_app_id_check
      check (gupshup_app_id is null or gupshup_app_id ~ '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$'),
  add column if not exists templates_synced_at timestamptz,
  add column if not exists templates_sync_error text
    constraint platform_connections_templates_sync_error_check
      check (templates_sync_error is null or templates_sync_error ~ '^[a-z_]{1,40}$'),
  add column if not exists templates_sync_failed_at timestamptz;

alter table public.message_templates
  add column if not exists name text check (name is null or char_length(name) between 1 and 512),
  add column if not exists language text check (language is null or language ~ '^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,4})?$'),
  add column if not exists category text check (category is null or category ~ '^[A-Z_]{1,40}$'),
  add column if not exists status text not null default 'APPROVED'
    constraint message_templates_status_check check (status ~ '^[A-Z_]{1,40}$'),
  add column if not exists rejected_reason text check (rejected_reason is null or char_length(rejected_reason) <= 1000),
  add column if not exists header text check (header is null or char_length(header) <= 1024),
  add column if not exists footer text check (footer is null or char_length(footer) <= 1024),
  add column if not exists buttons jsonb not null default '[]'::jsonb
    constraint message_templates_buttons_check check (jsonb_typeof(buttons) = 'array'),
  add column if not exists example text check (example is null or char_length(example) <= 2048),
  add column if not exists removed_at timestamptz,
  add column if not exists synced_at timestamptz;

-- The reminders function syncs (as the message functions' role, under row level security), and
-- the console syncs on demand and records a submitted template.
grant insert, update on public.message_templates to receptionist_app;
grant update (templates_synced_at, templates_sync_error, templates_sync_failed_at)
  on public.platform_connections to receptionist_app;
grant insert, update on public.message_templates to receptionist_console;

-- Connections whose templates the daily run reads: active Gupshup apps with an app id, not read
-- successfully since `stale` ago, and not failed within `retry` (Gupshup down is not called again
-- every five minutes); never synced first, then the longest ago. At most `max_rows`.
create or replace function public.templates_sync_due(at timestamptz, stale interval, retry interval, max_rows integer)
returns table (organization_id uuid, connection_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select p.organization_id, p.id
  from public.platform_connections p
  where p.provider = 'gupshup' and p.active and p.gupshup_app_id is not null
    and (p.templates_synced_at is null or p.templates_synced_at <= templates_sync_due.at - stale)
    and (p.templates_sync_failed_at is null or p.templates_sync_failed_at <= templates_sync_due.at - retry)
  order by p.templates_synced_at nulls first, p.created_at, p.id
  limit greatest(max_rows, 0)
$$;
revoke all on function public.templates_sync_due(timestamptz, interval, interval, integer) from public;
grant execute on function public.templates_sync_due(timestamptz, interval, interval, integer) to receptionist_app;
