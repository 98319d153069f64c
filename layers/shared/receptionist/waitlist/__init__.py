"""The waitlist's offer pass (docs/waitlist.md): freed slots offered to the customers waiting for
them, in the order they asked, each offer claimed once and queued for the notifier."""
