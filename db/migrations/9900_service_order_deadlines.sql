-- Up Migration

-- Every wait of a service order is bounded (issue 23.1 follow-up): a pending order the seller
-- does not answer within SERVICE_ORDER_ACCEPT_HOURS ends `expired` (refunded), and `accept_by`
-- says when. (An accepted order overdue past deliver_by + SERVICE_ORDER_OVERDUE_GRACE_HOURS ends
-- `cancelled`, a status it already had.) Orders opened before this have no `accept_by`.
ALTER TABLE service_orders DROP CONSTRAINT service_orders_status_check;
ALTER TABLE service_orders ADD CONSTRAINT service_orders_status_check
  CHECK (status IN ('pending', 'accepted', 'delivered', 'completed', 'declined', 'cancelled', 'expired'));
ALTER TABLE service_orders ADD COLUMN accept_by timestamptz;

-- Down Migration
ALTER TABLE service_orders DROP COLUMN accept_by;
ALTER TABLE service_orders DROP CONSTRAINT service_orders_status_check;
UPDATE service_orders SET status = 'cancelled' WHERE status = 'expired';
ALTER TABLE service_orders ADD CONSTRAINT service_orders_status_check
  CHECK (status IN ('pending', 'accepted', 'delivered', 'completed', 'declined', 'cancelled'));
