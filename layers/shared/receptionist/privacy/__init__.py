"""Customers' rights over their data: what the system holds of one customer, and acting on it (GDPR)."""
