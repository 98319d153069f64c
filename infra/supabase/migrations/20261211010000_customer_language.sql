-- Issue 30: each customer's language, on their WhatsApp identity (the conversation's customer, known
-- before any booking makes them a contact). NULL: not known yet; the business's language applies.
-- A locale of receptionist/i18n/locales.py; `language_source` says who set it: the detector reading
-- what the customer wrote, or a member of staff (who then outranks the detector).
alter table public.chat_identities
  add column language text check (language in ('es', 'es_PE', 'en', 'pt_BR', 'ca')),
  add column language_source text check (language_source in ('detected', 'staff')),
  add column language_set_at timestamptz,
  add constraint chat_identities_language_set_check
    check ((language is null) = (language_source is null) and (language is null) = (language_set_at is null));
