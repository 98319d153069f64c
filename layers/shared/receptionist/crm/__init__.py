"""The CRM in Supabase Postgres: data access for the processor, the agent's tools and the notifier.

Every function takes the organization id and filters by it; customer-facing operations also take
the contact id, so a customer can only reach their own rows in their own organization.
"""
