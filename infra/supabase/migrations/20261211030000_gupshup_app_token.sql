-- Blue ticks and "typing..." (issue 30, point 5): when a turn starts, the processor marks the
-- customer's last message read and shows WhatsApp's typing indicator through Gupshup's Partner
-- API (POST /partner/app/<app id>/v1/event), which wants the app's own access token (a Partner
-- App Token), not the app's API key the send and template APIs take (docs/processor.md, "Blue
-- ticks and typing").
--
--   platform_connections.app_token_ref   the SSM SecureString *name* holding the app's Partner
--                                        App Token (never the token), read only under the stage's
--                                        Gupshup keys prefix, like api_key_ref. NULL, or no
--                                        gupshup_app_id: no read receipts for the app (nothing
--                                        else changes).

alter table public.platform_connections
  add column if not exists app_token_ref text
    constraint platform_connections_app_token_ref_check
      check (app_token_ref is null or (app_token_ref ~ '^/?[A-Za-z0-9_./-]+$' and char_length(app_token_ref) <= 2048));
