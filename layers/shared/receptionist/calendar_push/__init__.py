"""The calendar push route: a provider's change notification -> a sync job (docs/calendar.md).

Light like the webhook: no database, no agent; the channel's token is checked against an HMAC of
its id (receptionist.calendar.channels)."""
