-- The console's calendar section (issue 28; docs/console.md, "Calendar"): a console account is
-- linked to the member (public.members) whose calendar it may connect, and the console's role
-- reaches the calendar tables its pages read and write.
--
--   console_users.member_id   the member this account is (NULL: none). Same organization as the
--                             account (composite foreign key), one account per member at most;
--                             a member gone leaves the account unlinked.
--
-- Functions (SECURITY DEFINER: the console's role is granted no console_users):
--   own_member(sub)                         (receptionist_console) the member one's own account is
--   team_member_links(owner_sub)            (receptionist_console) every account's member, for its owner
--   team_set_member(owner_sub, sub, member) (receptionist_console) link or unlink an account (RC404:
--                                           account or member not of the owner's business; RC412:
--                                           the member is linked to another account)

alter table public.console_users add column if not exists member_id uuid;
alter table public.console_users drop constraint if exists console_users_member_fkey;
alter table public.console_users
  add constraint console_users_member_fkey foreign key (organization_id, member_id)
    references public.members (organization_id, id) on delete set null (member_id);
create unique index if not exists console_users_one_account_per_member
  on public.console_users (member_id) where member_id is not null;

create or replace function public.own_member(user_sub text)
returns uuid
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.member_id from public.console_users u
  where u.sub = user_sub and u.active and u.organization_id = public.current_organization()
$$;

create or replace function public.team_member_links(owner_sub text)
returns table (sub text, member_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.sub, u.member_id from public.console_users u
  where u.organization_id = (
    select a.organization_id from public.console_users a
    where a.sub = owner_sub and a.role = 'owner' and a.active
  )
$$;

create or replace function public.team_set_member(owner_sub text, member_sub text, member uuid)
returns void
language plpgsql security definer
set search_path = public, pg_temp
as $$
declare
  org uuid := public.team_owner_business(owner_sub);
begin
  if member is not null and not exists (
    select 1 from public.members m where m.id = member and m.organization_id = org
  ) then
    raise exception 'not a member of this business' using errcode = 'RC404';
  end if;
  if member is not null and exists (
    select 1 from public.console_users u where u.member_id = member and u.sub <> member_sub
  ) then
    raise exception 'this member is linked to another account' using errcode = 'RC412';
  end if;
  update public.console_users set member_id = member where sub = member_sub and organization_id = org;
  if not found then
    raise exception 'not an account of this business' using errcode = 'RC404';
  end if;
end
$$;

do $$
declare
  f text;
begin
  foreach f in array array['own_member(text)', 'team_member_links(text)', 'team_set_member(text,text,uuid)'] loop
    execute format('revoke all on function public.%s from public', f);
    execute format('grant execute on function public.%s to receptionist_console', f);
  end loop;
end
$$;
