-- Appointment outcomes for the staff console: an appointment that took place is 'completed', one
-- the customer missed is 'no_show', and appointment_history records both, with who made each
-- change (`actor`: 'staff:<e-mail>' from the console; null for the customer's own changes
-- through the assistant, as every row written before this migration).
--
-- The status and action checks of 20261123000100_crm.sql were written inline, so PostgreSQL
-- named them; they are found in the catalog (a CHECK on that one column only, which leaves
-- appointment_history_reschedule_check alone) and replaced by named ones.
-- The exclusion constraint is unchanged: only pending and confirmed appointments block a slot,
-- so a no-show or a completed appointment never keeps another booking out.

do $$
declare
  c record;
begin
  for c in
    select con.conrelid::regclass::text as tbl, con.conname
    from pg_catalog.pg_constraint con
    join pg_catalog.pg_attribute att on att.attrelid = con.conrelid and att.attnum = con.conkey[1]
    where con.contype = 'c' and cardinality(con.conkey) = 1
      and ((con.conrelid = 'public.appointments'::regclass and att.attname = 'status')
        or (con.conrelid = 'public.appointment_history'::regclass and att.attname = 'action'))
  loop
    execute format('alter table %s drop constraint %I', c.tbl, c.conname);
  end loop;
end
$$;

alter table public.appointments
  add constraint appointments_status_check
    check (status in ('pending', 'confirmed', 'cancelled', 'completed', 'no_show'));

alter table public.appointment_history
  add constraint appointment_history_action_check
    check (action in ('booked', 'confirmed', 'cancelled', 'rescheduled', 'completed', 'no_show')),
  add column actor text
    constraint appointment_history_actor_check check (char_length(actor) between 1 and 300);
