"""Nothing kept for ever: each business's retention windows (rules.py), applied every night by the
RetentionFunction (service.py) through the CRM's retention functions and the same store adapters an
erasure uses. docs/privacy.md, "How long anything is kept (retention)"."""
