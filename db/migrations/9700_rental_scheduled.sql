-- Up Migration

-- Rentals booked ahead (issue 25): `scheduled` until the workflow's timer starts them.
ALTER TABLE rentals DROP CONSTRAINT rentals_status_check;
ALTER TABLE rentals ADD CONSTRAINT rentals_status_check
  CHECK (status IN ('scheduled', 'active', 'ending_soon', 'ended'));

-- Down Migration
ALTER TABLE rentals DROP CONSTRAINT rentals_status_check;
ALTER TABLE rentals ADD CONSTRAINT rentals_status_check CHECK (status IN ('active', 'ending_soon', 'ended'));
