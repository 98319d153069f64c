-- A customer's export (issue 25, point 7; docs/privacy.md, "Access and portability"): the owner
-- downloads from the console everything the business holds about one customer, the assistant's
-- summary of their conversation (its memory, thread_summaries) included. The console's role
-- already reads every message such a summary is made from, so reading it shows that role nothing
-- new; it still may not write one. Row level security holds it to its business, as everywhere
-- (the table's tenant_isolation policy names both roles since 20261207040000_database_roles.sql).
grant select on public.thread_summaries to receptionist_console;
