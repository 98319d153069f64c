-- What the assistant is worth, per business and day (issue 31; docs/stats.md): a daily roll-up
-- the owner's dashboard and the operator's costs page read one row per day from, and the few
-- facts the roll-up needs that were not kept before.
--
--   chat_messages.received_at     inbound: when the webhook received it (the ticket's time), the
--                                 start of the first-reply latency. NULL on rows before this.
--   chat_messages.accepted_at     outbound: when Gupshup accepted it (the notifier's send returned
--                                 an id), the end of the first-reply latency.
--   chat_messages.template_id     outbound templates: Gupshup's id of the template sent (its
--                                 category, from message_templates, prices it).
--   turn_usage.model              the model the turn's tokens were spent on (prices them);
--                                 NULL on rows before this: priced at the deployment's model.
--   daily_business_stats          one row per business and local day (the business's zone),
--                                 rewritten whole by the roll-up (idempotent): counts, latency
--                                 histograms (bucket edges in receptionist/stats/latency.py) and
--                                 costs in USD with the dated rate card they were priced at.
--                                 Counts only: no customer, number or words.

alter table public.chat_messages
  add column if not exists received_at timestamptz,
  add column if not exists accepted_at timestamptz,
  add column if not exists template_id text
    constraint chat_messages_template_id_check
      check (template_id is null or char_length(btrim(template_id)) between 1 and 200);

alter table public.turn_usage
  add column if not exists model text
    constraint turn_usage_model_check check (model is null or char_length(model) between 1 and 200);

create table if not exists public.daily_business_stats (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  day date not null,
  -- conversations and messages
  conversations integer not null default 0 check (conversations >= 0),
  inbound_messages integer not null default 0 check (inbound_messages >= 0),
  turns integer not null default 0 check (turns >= 0),
  resolved_alone integer not null default 0 check (resolved_alone >= 0),
  -- appointments: booked by who booked them, then what happened to appointments that day
  booked_assistant integer not null default 0 check (booked_assistant >= 0),
  booked_console integer not null default 0 check (booked_console >= 0),
  booked_reminder integer not null default 0 check (booked_reminder >= 0),
  booked_waitlist integer not null default 0 check (booked_waitlist >= 0),
  booked_other integer not null default 0 check (booked_other >= 0),
  confirmed integer not null default 0 check (confirmed >= 0),
  cancelled integer not null default 0 check (cancelled >= 0),
  moved integer not null default 0 check (moved >= 0),
  completed integer not null default 0 check (completed >= 0),
  no_shows integer not null default 0 check (no_shows >= 0),
  reminders_sent integer not null default 0 check (reminders_sent >= 0),
  reminders_confirmed integer not null default 0 check (reminders_confirmed >= 0),
  -- people
  escalations integer not null default 0 check (escalations >= 0),
  staff_replies integer not null default 0 check (staff_replies >= 0),
  staff_reply_seconds integer[] not null default '{}',
  -- speed: webhook receipt to Gupshup's acceptance of the first reply
  first_replies integer not null default 0 check (first_replies >= 0),
  first_reply_ms integer[] not null default '{}',
  -- costs
  prompt_tokens bigint not null default 0 check (prompt_tokens >= 0),
  completion_tokens bigint not null default 0 check (completion_tokens >= 0),
  model_cost_usd numeric(14, 6) not null default 0 check (model_cost_usd >= 0),
  wa_service integer not null default 0 check (wa_service >= 0),
  wa_utility_free integer not null default 0 check (wa_utility_free >= 0),
  wa_utility integer not null default 0 check (wa_utility >= 0),
  wa_marketing integer not null default 0 check (wa_marketing >= 0),
  wa_authentication integer not null default 0 check (wa_authentication >= 0),
  whatsapp_cost_usd numeric(14, 6) not null default 0 check (whatsapp_cost_usd >= 0),
  aws_cost_usd numeric(14, 6) not null default 0 check (aws_cost_usd >= 0),
  rate_card text not null check (char_length(rate_card) between 1 and 100),
  computed_at timestamptz not null default now(),
  primary key (organization_id, day)
);

alter table public.daily_business_stats enable row level security;
alter table public.daily_business_stats force row level security;
drop policy if exists tenant_isolation on public.daily_business_stats;
create policy tenant_isolation on public.daily_business_stats for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.daily_business_stats from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.daily_business_stats from authenticated;
  end if;
end
$$;
-- The roll-up (the reminders function, as the message functions' role) writes; the console reads.
grant select, insert, update on public.daily_business_stats to receptionist_app;
grant select on public.daily_business_stats to receptionist_console;
