-- Up Migration

-- The one per-account lock: spending postings (spend cap) and withdrawal risk rules take it, so
-- across any number of API processes and workers one account's checks and postings run one at a
-- time. A transaction-level advisory lock: released at COMMIT/ROLLBACK, never leaked.
CREATE FUNCTION lock_account(p_account uuid) RETURNS void
LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('account:' || p_account::text, 0))
$$;

-- ledger_post for a posting that spends (kinds p_kinds, debiting p_spend from p_spender's available
-- balance): under the account lock, refuses with SQLSTATE AR429 when the account's spending of
-- those kinds in the trailing hour plus p_spend would exceed settings.max_hourly_spend_usd.
-- One statement = one transaction, so the check and the posting are atomic. A key already posted
-- is a replay: it answers as before, whatever was spent since.
CREATE FUNCTION ledger_post_spend(
  p_spender uuid, p_spend bigint, p_kinds text[],
  p_id uuid, p_key text, p_kind text, p_reference text, p_memo jsonb,
  p_accounts bigint[], p_amounts bigint[]
) RETURNS TABLE (journal_id uuid, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_cap numeric;
  v_spent bigint;
BEGIN
  -- Without a cap there is nothing to serialise (a cap set meanwhile applies to later postings).
  SELECT (a.settings->>'max_hourly_spend_usd')::numeric INTO v_cap FROM accounts a WHERE a.id = p_spender;
  IF v_cap IS NOT NULL THEN
    PERFORM lock_account(p_spender);
    -- Each statement below sees what the previous lock holder committed.
    IF NOT EXISTS (SELECT 1 FROM ledger_journals j WHERE j.idempotency_key = p_key) THEN
      SELECT coalesce(-sum(e.amount), 0)::bigint INTO v_spent
        FROM ledger_entries e
        JOIN ledger_accounts la ON la.id = e.ledger_account_id
        JOIN ledger_journals j ON j.id = e.journal_id
       WHERE la.owner_id = p_spender AND la.purpose = 'available' AND e.amount < 0
         AND j.kind = ANY (p_kinds) AND e.created_at > now() - interval '1 hour';
      IF v_spent + p_spend > round(v_cap * 1000000) THEN
        RAISE EXCEPTION 'hourly spend limit (max_hourly_spend_usd) exceeded' USING ERRCODE = 'AR429';
      END IF;
    END IF;
  END IF;
  RETURN QUERY SELECT * FROM ledger_post(p_id, p_key, p_kind, p_reference, p_memo, p_accounts, p_amounts);
END
$$;

-- Down Migration
DROP FUNCTION ledger_post_spend(uuid, bigint, text[], uuid, text, text, text, jsonb, bigint[], bigint[]);
DROP FUNCTION lock_account(uuid);
