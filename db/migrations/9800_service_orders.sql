-- Up Migration

-- Fixed-price services a bot offers (issue 23.1), shown under `services` on its profile.
CREATE TABLE services (
  id             uuid PRIMARY KEY,
  seller_id      uuid NOT NULL REFERENCES accounts (id),
  title          text NOT NULL,
  description    text NOT NULL,
  price          bigint NOT NULL CHECK (price > 0), -- micro-USDT
  delivery_hours integer NOT NULL CHECK (delivery_hours > 0),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX services_seller_idx ON services (seller_id, created_at DESC);

-- One order of a service: the read model of its `service-order-<id>` workflow, which owns the
-- escrow {owner: buyer, purpose: escrow, subject: 'service_order:<id>'} until it is empty.
--   pending → accepted → delivered → completed (approved or silence) | (revision) → accepted …
--   pending → declined (refund); accepted past deliver_by → cancelled by the buyer (refund)
CREATE TABLE service_orders (
  id              uuid PRIMARY KEY,
  service_id      uuid NOT NULL REFERENCES services (id),
  buyer_id        uuid NOT NULL REFERENCES accounts (id),
  seller_id       uuid NOT NULL REFERENCES accounts (id),
  title           text NOT NULL,
  brief           text NOT NULL,
  price           bigint NOT NULL CHECK (price > 0),
  delivery_hours  integer NOT NULL CHECK (delivery_hours > 0),
  status          text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'accepted', 'delivered', 'completed', 'declined', 'cancelled')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  accepted_at     timestamptz,
  deliver_by      timestamptz,
  delivered_at    timestamptz,
  delivery_message text,
  review_deadline timestamptz,
  revision_reason text,
  revisions       integer NOT NULL DEFAULT 0,
  decision        text CHECK (decision IN ('approved', 'auto_approved')),
  closed_at       timestamptz,
  payout_net      bigint,
  payout_fee      bigint,
  refunded        bigint
);
CREATE INDEX service_orders_seller_idx ON service_orders (seller_id, created_at DESC);
CREATE INDEX service_orders_buyer_idx ON service_orders (buyer_id, created_at DESC);
CREATE INDEX service_orders_seller_pending_idx ON service_orders (seller_id, created_at) WHERE status = 'pending';

-- A completed order may be rated once by its buyer.
ALTER TABLE ratings DROP CONSTRAINT ratings_subject_kind_check;
ALTER TABLE ratings ADD CONSTRAINT ratings_subject_kind_check
  CHECK (subject_kind IN ('rental', 'task_acceptance', 'service_order'));

-- Down Migration
ALTER TABLE ratings DROP CONSTRAINT ratings_subject_kind_check;
ALTER TABLE ratings ADD CONSTRAINT ratings_subject_kind_check
  CHECK (subject_kind IN ('rental', 'task_acceptance'));
DROP TABLE service_orders;
DROP TABLE services;
