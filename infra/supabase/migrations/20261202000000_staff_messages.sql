-- Staff writing to customers as the business (the staff console, through the notifier).
--
--   chat_messages.sent_by   who wrote an outbound message: NULL for the assistant (every row
--                           before this migration), 'staff:<e-mail>' for a staff member's reply
--                           or template.
--   message_templates       the approved WhatsApp templates staff may send a customer when the
--                           24-hour window is closed: Gupshup's template id, a label for people,
--                           the approved text with {{1}}, {{2}}... placeholders, and how many
--                           parameters it takes.

alter table public.chat_messages
  add column if not exists sent_by text
    constraint chat_messages_sent_by_check check (sent_by is null or starts_with(sent_by, 'staff:'));

create table if not exists public.message_templates (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  template_id text not null check (char_length(btrim(template_id)) between 1 and 200),
  label text not null check (char_length(btrim(label)) between 1 and 200),
  body text not null check (char_length(body) between 1 and 1024),
  param_count integer not null default 0 check (param_count >= 0),
  created_at timestamptz not null default now(),
  primary key (organization_id, template_id)
);

-- The same row level security as every tenant table: enabled and forced, closed to the API
-- roles, and one tenant policy for the functions' role.
do $$
begin
  alter table public.message_templates enable row level security;
  alter table public.message_templates force row level security;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.message_templates from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.message_templates from authenticated;
  end if;
  drop policy if exists tenant_isolation on public.message_templates;
  create policy tenant_isolation on public.message_templates for all to receptionist_app
    using (organization_id = public.current_organization())
    with check (organization_id = public.current_organization());
end
$$;
grant select, insert, update, delete on public.message_templates to receptionist_app;
