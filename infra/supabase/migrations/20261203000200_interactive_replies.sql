-- Tap-to-choose (issue 17): when the assistant offers slots, services or appointments, its reply
-- goes out as a WhatsApp list message or reply buttons. A business can turn that off:
--
--   agent_settings.interactive_replies   true: options as a list / buttons; false: plain text
--                                        (the reply's words already name the options)
--
-- The notifier reads it with the organization (resolve_gupshup_app, now with one more column:
-- the function is dropped and created again, as in 20261201000000_catalogue_search.sql).

alter table public.agent_settings
  add column if not exists interactive_replies boolean not null default true;

drop function if exists public.resolve_gupshup_app(text);
create function public.resolve_gupshup_app(app text)
returns table (
  id uuid, name text, app_name text, business_number text, api_key_ref text,
  assistant_name text, tone text, instructions text, language text, timezone text,
  booking_lead_minutes integer, booking_horizon_days integer, slot_step_minutes integer,
  catalogue_updated_at timestamptz, interactive_replies boolean
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, o.name, pc.app_name, pc.business_number, pc.api_key_ref,
         s.assistant_name, s.tone, s.instructions, s.language, s.timezone,
         s.booking_lead_minutes, s.booking_horizon_days, s.slot_step_minutes,
         o.catalogue_updated_at, s.interactive_replies
  from public.platform_connections pc
  join public.organizations o on o.id = pc.organization_id
  join public.agent_settings s on s.organization_id = o.id
  where pc.provider = 'gupshup' and pc.app_name = app and pc.active
$$;
revoke all on function public.resolve_gupshup_app(text) from public;
grant execute on function public.resolve_gupshup_app(text) to receptionist_app;

do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant execute on function public.resolve_gupshup_app(text) to service_role;
  end if;
end
$$;
