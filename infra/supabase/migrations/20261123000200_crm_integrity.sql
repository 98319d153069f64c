-- More integrity in the database for the CRM of 20261123000100_crm.sql (a new migration, not an
-- edit: databases that already applied that version must get these changes too).
-- Valid on PostgreSQL 15 and later. Functions pin search_path = '' (Supabase's advisor flags
-- functions with a mutable search_path).

-- True when PostgreSQL knows the time zone name. IMMUTABLE because a CHECK uses it (the zone
-- database only changes with a server upgrade).
create function public.is_valid_time_zone(tz text) returns boolean
language plpgsql
immutable
strict
set search_path = ''
as $$
begin
    perform pg_catalog.now() at time zone tz;
    return true;
exception
    when invalid_parameter_value then
        return false;
end
$$;

-- Weekly hours are wall-clock times; a range type over `time` lets an exclusion constraint keep
-- one member's intervals of a weekday apart. An upper bound of '24:00' means midnight.
create function public.time_subtype_diff(x time, y time) returns float8
language sql
immutable
strict
set search_path = ''
as $$ select pg_catalog.date_part('epoch', x - y) $$;

create type public.timerange as range (subtype = time, subtype_diff = public.time_subtype_diff);

-- agent_settings: a zone Python's zoneinfo can load too (IANA names, not POSIX strings), and sane bounds.
alter table public.agent_settings
    add constraint agent_settings_timezone_check
        check (timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$' and public.is_valid_time_zone(timezone)),
    add constraint agent_settings_text_check
        check (char_length(btrim(assistant_name)) between 1 and 60
               and char_length(tone) <= 200 and char_length(instructions) <= 4000),
    add constraint agent_settings_language_check check (language ~ '^[a-z]{2,3}(-[A-Z]{2})?$'),
    add constraint agent_settings_lead_max_check check (booking_lead_minutes <= 43200);

-- platform_connections: api_key_ref is an SSM parameter *name* (never a key).
alter table public.platform_connections
    add constraint platform_connections_app_name_length_check check (char_length(app_name) between 1 and 100),
    add constraint platform_connections_api_key_ref_check check (api_key_ref ~ '^/?[A-Za-z0-9_./-]+$' and char_length(api_key_ref) <= 2048);

-- contacts: e-mails stored normalized (lower case, IDN domains in ASCII "xn--" form), the same rule
-- as receptionist.crm.contacts.normalize_email. Existing rows are lower-cased first; the stricter
-- check is NOT VALID so a legacy malformed address cannot block the deploy, but every new or
-- changed row must pass.
update public.contacts set email = lower(btrim(email)) where email is distinct from lower(btrim(email));
alter table public.contacts drop constraint contacts_email_check;
alter table public.contacts
    add constraint contacts_email_check check (
        email is null or (
            char_length(email) <= 254
            and email = lower(email)
            and char_length(split_part(email, '@', 1)) <= 64
            and email ~ '^[a-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&''*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$'
        )
    ) not valid,
    add constraint contacts_name_check check (name is null or char_length(btrim(name)) between 1 and 200);

-- chat_identities: where the last opt-in/opt-out event came from (an older event never wins).
alter table public.chat_identities add column opt_changed_at timestamptz;

-- chat_messages: known kinds; inbound rows are 'received', outbound rows never are; WhatsApp's id
-- of an outbound message (Gupshup reports sent/delivered/read under it, linked by "enqueued").
alter table public.chat_messages
    add column whatsapp_message_id text check (char_length(whatsapp_message_id) between 1 and 512),
    add constraint chat_messages_kind_check check (kind in (
        'text', 'image', 'audio', 'video', 'file', 'sticker', 'location', 'contact',
        'button_reply', 'quick_reply', 'list_reply', 'template'
    )),
    add constraint chat_messages_direction_status_check check ((direction = 'inbound') = (status = 'received')),
    add constraint chat_messages_provider_id_length_check check (char_length(provider_message_id) between 1 and 512),
    add constraint chat_messages_turn_id_length_check check (char_length(turn_id) between 1 and 1000),
    add constraint chat_messages_part_index_check check (part_index >= 0);
create unique index chat_messages_whatsapp_id on public.chat_messages (organization_id, whatsapp_message_id)
    where whatsapp_message_id is not null;

-- thread_summaries: bounded.
alter table public.thread_summaries add constraint thread_summaries_length_check check (char_length(summary) <= 20000);

-- services and members: non-empty names, bounded texts.
alter table public.services
    add constraint services_name_check check (char_length(btrim(name)) between 1 and 200),
    add constraint services_currency_check check (currency ~ '^[A-Z]{3}$');
alter table public.members add constraint members_name_check check (char_length(btrim(name)) between 1 and 200);

-- member_hours: one member's intervals of a weekday never overlap (a split shift is two rows).
alter table public.member_hours
    add constraint member_hours_no_overlap
        exclude using gist (member_id with =, weekday with =, public.timerange(starts, ends) with &&);

-- member_time_off: member_id null means the whole organization is closed (a holiday).
alter table public.member_time_off alter column member_id drop not null;
alter table public.member_time_off add constraint member_time_off_reason_check check (char_length(reason) <= 500);
create index member_time_off_period on public.member_time_off
    using gist (organization_id, tstzrange(starts_at, ends_at));

-- appointments: at most a day long; bounded keys and notes.
alter table public.appointments
    add constraint appointments_length_check check (ends_at - starts_at <= interval '1 day'),
    add constraint appointments_idempotency_key_check check (char_length(idempotency_key) between 1 and 1000),
    add constraint appointments_notes_check check (char_length(notes) <= 2000);

-- appointment_history: a reschedule always says from where to where.
alter table public.appointment_history
    add constraint appointment_history_reschedule_check
        check (action <> 'rescheduled' or (old_starts_at is not null and new_starts_at is not null));
create index appointment_history_appointment on public.appointment_history (organization_id, appointment_id, at);

-- knowledge_entries: non-empty, bounded; per-organization lookups.
alter table public.knowledge_entries
    add constraint knowledge_entries_title_check check (char_length(btrim(title)) between 1 and 300),
    add constraint knowledge_entries_body_check check (char_length(btrim(body)) between 1 and 8000);
create index knowledge_entries_organization on public.knowledge_entries (organization_id);

-- notification_settings: staff numbers in the WhatsApp format, template parameter names.
alter table public.notification_settings
    add constraint notification_settings_staff_numbers_check check (
        cardinality(staff_numbers) <= 20
        and array_position(staff_numbers, null) is null
        and array_to_string(staff_numbers, ',') ~ '^([0-9]{6,15}(,[0-9]{6,15})*)?$'
    ),
    add constraint notification_settings_template_params_check check (
        cardinality(escalation_template_params) <= 10
        and array_position(escalation_template_params, null) is null
    ),
    add constraint notification_settings_template_id_check
        check (char_length(escalation_template_id) between 1 and 200);

-- escalations: a reason, bounded; the turn key bounded.
alter table public.escalations
    add constraint escalations_reason_check check (char_length(btrim(reason)) between 1 and 1000),
    add constraint escalations_turn_id_check check (char_length(turn_id) between 1 and 1000);
create index escalations_open on public.escalations (organization_id, created_at) where status = 'open';
