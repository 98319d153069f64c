"""Appointment reminders: a pass computes what is due, claims each reminder once and queues it
for the notifier (docs/reminders.md)."""
