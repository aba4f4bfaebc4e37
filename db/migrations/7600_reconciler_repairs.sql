-- Up Migration

-- Every repair the reconciler made: a held or escrow balance whose owner workflow was closed or
-- missing, moved back to its owner's available balance by the keyed journal named here. Operators
-- read it (GET /api/v1/admin/reconciler/repairs); one row per journal, so a re-run adds nothing.
CREATE TABLE reconciler_repairs (
  id                 uuid PRIMARY KEY,           -- the repair journal's id
  idempotency_key    text NOT NULL UNIQUE,       -- the repair journal's key (hold-repair:<ledger account>:<balance>)
  ledger_account_id  bigint NOT NULL,
  account_id         uuid NOT NULL,              -- whose money it is
  purpose            text NOT NULL CHECK (purpose IN ('held', 'escrow')),
  subject            text NOT NULL,              -- rental:<id> | task:<id> | withdrawal:<id>
  amount             bigint NOT NULL CHECK (amount > 0),
  owner_workflow_id  text NOT NULL,
  owner_state        text NOT NULL CHECK (owner_state IN ('missing', 'closed')),
  owner_status       text,                       -- COMPLETED, FAILED, TERMINATED … when closed
  reconciler_run     text,                       -- the reconciler workflow run that repaired it
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reconciler_repairs_created_idx ON reconciler_repairs (created_at DESC);

-- Down Migration
DROP TABLE reconciler_repairs;
