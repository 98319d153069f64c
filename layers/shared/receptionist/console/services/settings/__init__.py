"""What an owner can do in the console's settings, one service per area (persona.py
with retention, catalogue.py, staff.py, notifications.py, reminders.py, connections.py), each on
the database acting for the owner's organization (row level security, and a filter on every
statement), checking the values before writing anything, and recording who changed what in the
audit log (`settings_<what>`; never a secret: the Gupshup key is only ever the name of its SSM
parameter) with the change, in one transaction. Only owners reach them (dependencies.py)."""
