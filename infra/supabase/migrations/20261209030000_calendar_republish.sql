-- A calendar connected (first time, or again after it broke) gets the member's upcoming
-- appointments written into it: the outbox trigger on appointments queues only changes made while
-- the calendar was connected, so without this the appointments booked before (or while the grant
-- was broken) would never appear there. One outbox row per active appointment not yet ended; the
-- relay and the calendar function do the rest (idempotent: an event already there is brought to
-- the appointment's state).
create or replace function public.calendar_connection_republish() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.calendar_outbox (organization_id, appointment_id, member_id)
  select a.organization_id, a.id, a.member_id
  from public.appointments a
  where a.organization_id = new.organization_id and a.member_id = new.member_id
    and a.status in ('pending', 'confirmed') and a.ends_at > now();
  return null;
end
$$;
revoke all on function public.calendar_connection_republish() from public;

drop trigger if exists calendar_connections_republish on public.calendar_connections;
create trigger calendar_connections_republish after insert on public.calendar_connections
  for each row when (new.status = 'connected')
  execute function public.calendar_connection_republish();
drop trigger if exists calendar_connections_republish_again on public.calendar_connections;
-- A reconnection: connected again, or a fresh grant on a connected row (its created_at is the grant's time).
create trigger calendar_connections_republish_again after update of status, created_at on public.calendar_connections
  for each row when (new.status = 'connected'
                     and (old.status is distinct from new.status or old.created_at is distinct from new.created_at))
  execute function public.calendar_connection_republish();
