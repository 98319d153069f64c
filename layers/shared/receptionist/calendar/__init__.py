"""Two-way sync between appointments and the calendars staff already keep (docs/calendar.md).

`provider` is the port every calendar service is reached through (Google Calendar is the one built:
`receptionist.adapters.google_calendar`); the modules beside it are the domain: turning a calendar's
events into busy time, an appointment into an event, and the sync's passes."""
