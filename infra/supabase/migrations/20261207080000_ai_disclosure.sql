-- The customer knows it is an AI (issue 25; EU AI Act Art. 50(1) and (5): people who interact
-- with an AI system are told so, clearly, at the latest at the first interaction). The code, never
-- the model, puts a disclosure sentence at the head of the first reply a customer gets from a
-- business, again after a long silence, and again after an erasure (a new chat identity).
--
--   agent_settings.disclosure_text        the sentence, per business (NULL: the default, built from
--                                         the assistant's name in the business's language:
--                                         receptionist/disclosure.py); 1 to 600 characters
--   agent_settings.disclosure_after_days  days without a message from the customer after which the
--                                         next reply carries it again (default 180; 1 to 3650)
--
-- On the customer's chat identity (erasure deletes the row, so a new row is "never told"):
--
--   chat_identities.disclosure_due        the next reply must carry it: true for a new identity
--                                         (and for every identity that existed before: nobody was
--                                         told), set again by touch_identity when a message comes
--                                         after a silence of disclosure_after_days, cleared when a
--                                         reply carrying it is recorded
--   chat_identities.disclosed_at          when the latest reply carrying it was recorded
--   chat_identities.disclosure_version    which text it was: the first 12 hex digits of the
--                                         SHA-256 of the sentence sent (the sentence itself is in
--                                         that reply's chat_messages row)
--   chat_identities.disclosure_turn       the turn whose reply carried it: a retry of that turn
--                                         carries it again, any other turn does not
--
-- resolve_gupshup_app returns the two settings with the organization (dropped and created again,
-- keeping exactly the EXECUTE grants its previous version had, as 20261207070000 did).

alter table public.agent_settings
  add column if not exists disclosure_text text,
  add column if not exists disclosure_after_days integer not null default 180;
alter table public.agent_settings drop constraint if exists agent_settings_disclosure_text_check;
alter table public.agent_settings
  add constraint agent_settings_disclosure_text_check
    check (char_length(btrim(disclosure_text)) between 1 and 600);
alter table public.agent_settings drop constraint if exists agent_settings_disclosure_after_days_check;
alter table public.agent_settings
  add constraint agent_settings_disclosure_after_days_check check (disclosure_after_days between 1 and 3650);

alter table public.chat_identities
  add column if not exists disclosure_due boolean not null default true,
  add column if not exists disclosed_at timestamptz,
  add column if not exists disclosure_version text,
  add column if not exists disclosure_turn text;
alter table public.chat_identities drop constraint if exists chat_identities_disclosure_version_check;
alter table public.chat_identities
  add constraint chat_identities_disclosure_version_check check (disclosure_version ~ '^[0-9a-f]{12}$');

create temporary table disclosure_function_grants on commit drop as
  select a.grantee::regrole::text as grantee
  from pg_catalog.pg_proc p
  cross join lateral aclexplode(p.proacl) a
  where p.oid = 'public.resolve_gupshup_app(text)'::regprocedure
    and a.privilege_type = 'EXECUTE' and a.grantee <> 0 and a.grantee <> p.proowner;

drop function if exists public.resolve_gupshup_app(text);
create function public.resolve_gupshup_app(app text)
returns table (
  id uuid, name text, app_name text, business_number text, api_key_ref text,
  assistant_name text, tone text, instructions text, language text, timezone text,
  booking_lead_minutes integer, booking_horizon_days integer, slot_step_minutes integer,
  catalogue_updated_at timestamptz, interactive_replies boolean, emergency_number text,
  disclosure_text text, disclosure_after_days integer
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, o.name, pc.app_name, pc.business_number, pc.api_key_ref,
         s.assistant_name, s.tone, s.instructions, s.language, s.timezone,
         s.booking_lead_minutes, s.booking_horizon_days, s.slot_step_minutes,
         o.catalogue_updated_at, s.interactive_replies, s.emergency_number,
         s.disclosure_text, s.disclosure_after_days
  from public.platform_connections pc
  join public.organizations o on o.id = pc.organization_id
  join public.agent_settings s on s.organization_id = o.id
  where pc.provider = 'gupshup' and pc.app_name = app and pc.active
$$;
revoke all on function public.resolve_gupshup_app(text) from public;

do $$
declare
  g record;
begin
  for g in select grantee from disclosure_function_grants loop
    execute format('grant execute on function public.resolve_gupshup_app(text) to %s', g.grantee);
  end loop;
end
$$;
