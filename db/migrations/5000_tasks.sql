-- Up Migration

-- Paid tasks (RoboRent). The escrow itself lives in the ledger account
-- {owner: creator, purpose: escrow, subject: 'task:<id>'}; these rows are the read model.
CREATE TABLE tasks (
  id            uuid PRIMARY KEY,
  creator_id    uuid NOT NULL REFERENCES accounts (id),
  title         text NOT NULL,
  description   text NOT NULL,
  category      text NOT NULL,
  reward        bigint NOT NULL CHECK (reward > 0), -- micro-USDT per slot
  slots         integer NOT NULL CHECK (slots > 0),
  -- open → completed (every slot paid) | cancelled (by the creator; running acceptances finish).
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'cancelled')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  cancelled_at  timestamptz,
  completed_at  timestamptz
);
CREATE INDEX tasks_open_idx ON tasks (created_at DESC) WHERE status = 'open';
CREATE INDEX tasks_creator_idx ON tasks (creator_id, created_at DESC);

-- One row per slot reservation. accepted → submitted → approved | rejected; accepted → expired
-- when no proof arrives by submit_by. Rows in accepted/submitted/approved occupy a slot.
CREATE TABLE task_acceptances (
  id               uuid PRIMARY KEY,
  task_id          uuid NOT NULL REFERENCES tasks (id),
  worker_id        uuid NOT NULL REFERENCES accounts (id),
  status           text NOT NULL CHECK (status IN ('accepted', 'submitted', 'approved', 'rejected', 'expired')),
  accepted_at      timestamptz NOT NULL DEFAULT now(),
  submit_by        timestamptz NOT NULL,
  proof_text       text,
  proof_url        text,
  submitted_at     timestamptz,
  review_deadline  timestamptz,
  decided_at       timestamptz,
  -- approved | auto_approved | rejected | expired
  decision         text,
  decision_reason  text,
  payout_net       bigint,
  payout_fee       bigint
);
-- One live acceptance per worker and task (a rejected or expired worker may try again).
CREATE UNIQUE INDEX task_acceptances_one_per_worker
  ON task_acceptances (task_id, worker_id) WHERE status IN ('accepted', 'submitted', 'approved');
CREATE INDEX task_acceptances_task_idx ON task_acceptances (task_id, accepted_at);

-- Down Migration
DROP TABLE task_acceptances;
DROP TABLE tasks;
