"""Gupshup (WhatsApp BSP) formats: what its callbacks carry."""
