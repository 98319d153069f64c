"""A business's configuration, by area: the assistant's persona (persona.py), how long its data is
kept (retention.py), services and knowledge entries (catalogue.py), staff with their services,
weekly hours and time off (staff.py), staff notifications (notifications.py), appointment
reminders (reminders.py), its Gupshup connections (connections.py), a new business's rows
(businesses.py, ops.onboard and the operator pages), and the settings' audit trail (audit.py).

Each module is SQL and row mapping for its area: every statement names the organization, an id of
another organization (or not an id at all) is simply not found, and a check the database refuses
is InvalidSetting(code) (errors.py), never a 500. Values arrive checked: turning a form's strings
into them is the console's (receptionist.console.forms), with the same bounds as the tables'
checks; the rules both the console and ops.onboard apply (time zones, app names, key parameters,
staff numbers) are zones.py, connections.py and notifications.py's."""
