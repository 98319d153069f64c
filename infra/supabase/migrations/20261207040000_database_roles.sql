-- Least privilege inside the database (issue 24): one role per kind of caller, each with only
-- what its code uses, and an audit trail nobody but the owner can rewrite.
--
-- Until now the staff console and the message functions shared `receptionist_app`, which was
-- granted every table (select, insert, update, delete) and every SECURITY DEFINER function:
-- whoever held the processor's credentials could call onboard_business with an operator's sub,
-- ask gupshup_app_organization about any tenant, or delete a business's audit log. From here:
--
--   receptionist_app       the processor, the notifier and the reminders (SSM database-url)
--   receptionist_console   the staff console (SSM console-database-url)
--
--   * Both are logins that own nothing and bypass nothing; every table either may touch forces
--     row level security, and its tenant_isolation policy now names both roles.
--   * Table privileges, below, are exactly what each role's statements need (receptionist/crm/*:
--     the processor and the notifier through agent/, processor/, notifier/; the reminders
--     through reminders/; the console through console/). console_users is granted to neither:
--     it is read only through console_user().
--   * audit_log and appointment_history are append-only: INSERT (and SELECT for the console,
--     which shows them), never UPDATE, DELETE or TRUNCATE. Only the tables' owner removes rows
--     (ops; the cascade of an erased organization).
--   * audit_log also holds what operators do outside any business (their sign-in and sign-out):
--     organization_id NULL, written by the console with no tenant set (policy operator_lines),
--     read by nobody but the owner.
--   * Each SECURITY DEFINER function is executable by the one role that calls it (PUBLIC by
--     none); the migration refuses to finish otherwise.
--   * New tables are no longer granted to the functions' role by default: the migration that
--     creates one grants each role what it needs.
--
-- On Supabase, set the new role's password once (README, "Deploying"):
--   alter role receptionist_console with password '<a long random secret>';
-- and put the pooler URL for it (user `receptionist_console.<project ref>`) in SSM
-- console-database-url.

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'receptionist_console') then
    create role receptionist_console login noinherit nobypassrls;
  end if;
end
$$;

grant usage on schema public to receptionist_console;
grant usage on schema extensions to receptionist_console;

-- Start from nothing: the blanket grants of 20261130000000_app_role_rls.sql go.
alter default privileges in schema public revoke select, insert, update, delete on tables from receptionist_app;
revoke all on all tables in schema public from receptionist_app, receptionist_console;

-- The message functions: read the business (settings, catalogue, schedule, templates), write
-- the conversation (contacts, identities, messages, summaries, escalations, usage), book and
-- change appointments (history appended), claim and track reminders.
grant select on
  public.organizations, public.agent_settings, public.platform_connections, public.services, public.members,
  public.member_services, public.member_hours, public.member_time_off, public.knowledge_entries,
  public.notification_settings, public.message_templates
  to receptionist_app;
grant select, insert, update on
  public.contacts, public.chat_identities, public.chat_messages, public.thread_summaries, public.appointments,
  public.escalations, public.turn_usage, public.appointment_reminders
  to receptionist_app;
grant select, insert on public.budget_notices to receptionist_app;  -- insert ... returning
grant insert on public.appointment_history to receptionist_app;

-- The console: everything a business's owner and staff see and set. It reads conversations and
-- takes them over (never writes messages: replies go out through the notifier), books and
-- changes appointments, edits settings, catalogue and schedule, and reads reminder metrics.
grant select on
  public.organizations, public.chat_messages, public.appointment_reminders, public.message_templates
  to receptionist_console;
-- Saving reminder settings reads the chosen template FOR SHARE (so it cannot change meanwhile),
-- which PostgreSQL allows only with UPDATE on a column: the label, what people read, is that
-- column (templates are otherwise written by ops).
grant update (label) on public.message_templates to receptionist_console;
grant select, update on public.platform_connections, public.chat_identities, public.escalations
  to receptionist_console;
grant select, insert, update on
  public.agent_settings, public.notification_settings, public.contacts, public.services, public.members,
  public.appointments
  to receptionist_console;
grant select, insert, update, delete on public.knowledge_entries to receptionist_console;
grant select, insert, delete on public.member_services, public.member_hours, public.member_time_off
  to receptionist_console;
grant select, insert on public.audit_log, public.appointment_history to receptionist_console;

-- Both roles under the same tenant policies (every table's tenant_isolation, whatever created it).
do $$
declare
  t text;
begin
  for t in
    select p.tablename from pg_catalog.pg_policies p
    where p.schemaname = 'public' and p.policyname = 'tenant_isolation'
  loop
    execute format('alter policy tenant_isolation on public.%I to receptionist_app, receptionist_console', t);
  end loop;
end
$$;

-- Operators' own lines (no business): only with no tenant set, only a line of no business.
alter table public.audit_log alter column organization_id drop not null;
drop policy if exists operator_lines on public.audit_log;
create policy operator_lines on public.audit_log for insert to receptionist_console
  with check (organization_id is null and public.current_organization() is null);

-- Functions. current_organization() is every policy's filter: both. The CHECK on
-- agent_settings.timezone and the generated search_text of services and knowledge_entries call
-- is_valid_time_zone and search_fold: whoever writes those tables, the console.
grant execute on function public.current_organization() to receptionist_app, receptionist_console;
revoke execute on function public.is_valid_time_zone(text) from receptionist_app;
revoke execute on function public.search_fold(text) from receptionist_app;
grant execute on function public.is_valid_time_zone(text) to receptionist_console;
grant execute on function public.search_fold(text) to receptionist_console;

-- SECURITY DEFINER functions, each to the role that calls it. The message functions: the business
-- behind a Gupshup app, and the reminders due or never queued (resolve_gupshup_app, due_reminders,
-- unqueued_reminders keep their grant to receptionist_app). The console: who a token belongs to,
-- and the operator pages.
revoke execute on function public.console_user(text) from receptionist_app;
revoke execute on function public.gupshup_app_organization(text) from receptionist_app;
revoke execute on function public.operator_businesses(text) from receptionist_app;
revoke execute on function
  public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text) from receptionist_app;
grant execute on function public.console_user(text) to receptionist_console;
grant execute on function public.gupshup_app_organization(text) to receptionist_console;
grant execute on function public.operator_businesses(text) to receptionist_console;
grant execute on function
  public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text) to receptionist_console;

-- Refuse to finish when:
--   * a SECURITY DEFINER function in public is executable by PUBLIC, or by both roles;
--   * a table in public is granted to neither role (a table another migration created before
--     this one and that nobody classified here; console_users is read through console_user());
--   * a table either role may touch does not force row level security.
do $$
declare
  open_functions text;
  shared_functions text;
  unclassified text;
  unforced text;
begin
  select string_agg(p.oid::regprocedure::text, ', ') into open_functions
  from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public' and p.prosecdef
    and (p.proacl is null
         or exists (select 1 from pg_catalog.aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'));
  if open_functions is not null then
    raise exception 'SECURITY DEFINER functions executable by PUBLIC: %', open_functions;
  end if;

  select string_agg(p.oid::regprocedure::text, ', ') into shared_functions
  from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public' and p.prosecdef
    and pg_catalog.has_function_privilege('receptionist_app', p.oid, 'execute')
    and pg_catalog.has_function_privilege('receptionist_console', p.oid, 'execute');
  if shared_functions is not null then
    raise exception 'SECURITY DEFINER functions executable by both roles: %', shared_functions;
  end if;

  select string_agg(c.relname, ', ' order by c.relname) into unclassified
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> 'console_users'
    and not exists (
      select 1 from pg_catalog.aclexplode(coalesce(c.relacl, '{}')) a
      join pg_catalog.pg_roles r on r.oid = a.grantee
      where r.rolname in ('receptionist_app', 'receptionist_console')
    );
  if unclassified is not null then
    raise exception 'tables granted to neither function role (grant each role what it needs): %', unclassified;
  end if;

  select string_agg(c.relname, ', ' order by c.relname) into unforced
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relforcerowsecurity
    and exists (
      select 1 from pg_catalog.aclexplode(coalesce(c.relacl, '{}')) a
      join pg_catalog.pg_roles r on r.oid = a.grantee
      where r.rolname in ('receptionist_app', 'receptionist_console')
    );
  if unforced is not null then
    raise exception 'tables of the function roles without forced row level security: %', unforced;
  end if;
end
$$;
