-- Up Migration

-- Shared rate-limit counters (rate-limiter-flexible's Postgres store layout), so limits hold
-- across every API process. Created here rather than by the library to avoid start-up races.
CREATE TABLE rate_limits (
  key    varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);

-- GET /api/v1/referrals sums commission per referred user from these journals.
CREATE INDEX ledger_journals_referrer_idx ON ledger_journals ((memo->>'referrer_id'))
  WHERE kind = 'referral_commission';

-- Marketplace listing sorts bots by newest / price.
CREATE INDEX accounts_bots_created_idx ON accounts (created_at DESC) WHERE kind = 'bot';

-- Balances are updated constantly: room on each page keeps those updates HOT (no index churn).
ALTER TABLE ledger_accounts SET (fillfactor = 50);

-- Entries are written only by ledger_post below, in the same statement that inserts their journal
-- and that raises on an unknown ledger account; journals and accounts are never deleted. The two
-- foreign keys therefore guard nothing that can happen, yet cost 6 trigger lookups per posting
-- (half the statements the ledger runs), so they go.
ALTER TABLE ledger_entries
  DROP CONSTRAINT ledger_entries_journal_id_fkey,
  DROP CONSTRAINT ledger_entries_ledger_account_id_fkey;

-- One round trip per posting: claim the idempotency key, move the balances in ascending account
-- id order (the one lock order, so concurrent postings never deadlock), write the entries.
-- A user balance going negative violates ledger_accounts_user_non_negative and aborts it all.
CREATE FUNCTION ledger_post(
  p_id uuid, p_key text, p_kind text, p_reference text, p_memo jsonb,
  p_accounts bigint[], p_amounts bigint[]
) RETURNS TABLE (journal_id uuid, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_existing uuid;
  v_line record;
  v_sum bigint := 0;
BEGIN
  IF cardinality(p_accounts) < 2 OR cardinality(p_accounts) <> cardinality(p_amounts) THEN
    RAISE EXCEPTION 'ledger_post: journal % needs at least two lines', p_key;
  END IF;
  INSERT INTO ledger_journals (id, idempotency_key, kind, reference, memo)
  VALUES (p_id, p_key, p_kind, p_reference, p_memo)
  ON CONFLICT (idempotency_key) DO NOTHING;
  IF NOT FOUND THEN
    SELECT j.id INTO v_existing FROM ledger_journals j WHERE j.idempotency_key = p_key;
    RETURN QUERY SELECT v_existing, false;
    RETURN;
  END IF;
  FOR v_line IN SELECT t.acc, t.amt FROM unnest(p_accounts, p_amounts) AS t(acc, amt) ORDER BY t.acc LOOP
    UPDATE ledger_accounts SET balance = balance + v_line.amt, updated_at = now() WHERE id = v_line.acc;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'ledger_post: unknown ledger account %', v_line.acc;
    END IF;
    v_sum := v_sum + v_line.amt;
  END LOOP;
  -- Raising aborts the whole statement, so an unbalanced journal never becomes visible.
  IF v_sum <> 0 THEN
    RAISE EXCEPTION 'ledger_post: journal % does not balance (sum %)', p_key, v_sum;
  END IF;
  INSERT INTO ledger_entries (journal_id, ledger_account_id, amount)
  SELECT p_id, t.acc, t.amt FROM unnest(p_accounts, p_amounts) AS t(acc, amt);
  RETURN QUERY SELECT p_id, true;
END
$$;

-- Down Migration
DROP FUNCTION ledger_post(uuid, text, text, text, jsonb, bigint[], bigint[]);
ALTER TABLE ledger_entries
  ADD CONSTRAINT ledger_entries_journal_id_fkey FOREIGN KEY (journal_id) REFERENCES ledger_journals (id),
  ADD CONSTRAINT ledger_entries_ledger_account_id_fkey FOREIGN KEY (ledger_account_id) REFERENCES ledger_accounts (id);
DROP INDEX accounts_bots_created_idx;
DROP INDEX ledger_journals_referrer_idx;
DROP TABLE rate_limits;
ALTER TABLE ledger_accounts RESET (fillfactor);
