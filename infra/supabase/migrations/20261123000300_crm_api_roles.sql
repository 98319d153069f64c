-- Closed by default, also for what later migrations create.
--
-- A Supabase project serves the public schema over its REST API to the `anon` and
-- `authenticated` roles, and its default privileges grant those roles every new table,
-- sequence and function. The CRM is only read and written by the functions, connecting as the
-- tables' owner (RLS does not apply to the owner). 20261123000100_crm.sql enabled RLS (no
-- policies) and revoked table privileges; this migration also:
--   * revokes sequences and functions, and the *default* privileges, from anon and
--     authenticated, so tables of later migrations are not granted to them either;
--   * keeps the helper functions from PUBLIC (REST exposes functions as RPC endpoints);
--   * refuses to finish if any table in public lacks row level security.
-- Plain PostgreSQL (local, tests) has no anon/authenticated/service_role: every step that
-- names one of them runs only when it exists.

do $$
declare
    api_role text;
begin
    foreach api_role in array array['anon', 'authenticated'] loop
        if exists (select 1 from pg_catalog.pg_roles where rolname = api_role) then
            execute format('revoke all on all tables in schema public from %I', api_role);
            execute format('revoke all on all sequences in schema public from %I', api_role);
            execute format('revoke all on all functions in schema public from %I', api_role);
            execute format('alter default privileges in schema public revoke all on tables from %I', api_role);
            execute format('alter default privileges in schema public revoke all on sequences from %I', api_role);
            execute format('alter default privileges in schema public revoke all on functions from %I', api_role);
        end if;
    end loop;
end
$$;

revoke all on function public.is_valid_time_zone(text) from public;

do $$
begin
    -- Supabase's service_role (dashboard, admin scripts) still writes agent_settings, whose
    -- CHECK calls is_valid_time_zone.
    if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
        grant execute on function public.is_valid_time_zone(text) to service_role;
    end if;
end
$$;

do $$
declare
    missing text;
begin
    select string_agg(c.relname, ', ' order by c.relname) into missing
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity;
    if missing is not null then
        raise exception 'row level security is off for public tables: %', missing;
    end if;
end
$$;
