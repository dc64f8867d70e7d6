-- PostgresTokenStore (nestjs-auth-code-flow): each user's tokens per provider, and the refresh locks.
-- PostgresTokenStore.ensureSchema() runs this same text; it can be run again at any time.
CREATE TABLE IF NOT EXISTS "auth_code_flow_tokens" (
  provider text NOT NULL,
  user_id text NOT NULL,
  -- {"v":1,"tokens":{...}}, or with encryption {"v":1,"sealed":{...}} (AES-256-GCM)
  value text NOT NULL,
  -- when the access token expires (informational; the value holds what the store reads)
  expires_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, user_id)
);
CREATE TABLE IF NOT EXISTS "auth_code_flow_tokens_refresh_locks" (
  provider text NOT NULL,
  user_id text NOT NULL,
  -- a random id of the holder, so that a holder whose lock expired cannot release its successor's
  owner text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (provider, user_id)
);
