-- Issue 30: one approved template per language for reminders, waitlist offers and recalls.
--
--   template_choices   (organization_id, purpose, language) -> the approved template of that language a
--                      business sends for that purpose to a customer writing in it, and what fills each
--                      {{n}} (template_params, the names of the pass's values). `language` is a locale of
--                      receptionist/i18n/locales.py. The business's own language keeps its single choice
--                      where it always was (agent_settings.reminder_template_id / recall_template_id,
--                      waitlist_settings.template_id): that one is the default every customer falls back
--                      to when their language has no usable choice here. The passes read the choices with
--                      each reminder / offer / recall's content (one round trip) and pick by the customer's
--                      locale (chat_identities.language, else the business's). The choice names a template
--                      by Gupshup's id without a foreign key, like the settings columns: a template Gupshup
--                      stops listing is kept, marked removed, and never used.
--   Nobody's data: a business's settings.
create table if not exists public.template_choices (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  purpose text not null check (purpose in ('reminder', 'waitlist', 'recall')),
  language text not null check (language in ('es', 'es_PE', 'en', 'pt_BR', 'ca')),
  template_id text not null check (char_length(btrim(template_id)) between 1 and 200),
  template_params text[] not null default '{}' check (cardinality(template_params) <= 10),
  updated_at timestamptz not null default now(),
  primary key (organization_id, purpose, language)
);

alter table public.template_choices enable row level security;
alter table public.template_choices force row level security;
drop policy if exists tenant_isolation on public.template_choices;
create policy tenant_isolation on public.template_choices for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.template_choices from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.template_choices from authenticated;
  end if;
end
$$;

grant select on public.template_choices to receptionist_app;
grant select, insert, update, delete on public.template_choices to receptionist_console;
