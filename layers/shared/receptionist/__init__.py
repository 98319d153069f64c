"""WhatsApp receptionist: the shared package behind the webhook, processor and notifier."""
