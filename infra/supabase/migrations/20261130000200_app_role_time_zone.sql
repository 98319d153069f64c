-- The functions' role may write agent_settings and organizations (granted in
-- 20261130000000_app_role_rls.sql), whose CHECK calls is_valid_time_zone: let it run the check.
grant execute on function public.is_valid_time_zone(text) to receptionist_app;
