-- Up Migration

-- The id of the ledger account (owner, purpose, subject, shard), created when missing. postJournal
-- calls it inside the posting statement for accounts it has not cached (a rental's new escrow), so
-- a first posting to an account is one round trip, not two; and an account created for a posting
-- that fails (402) rolls back with it. VOLATILE: ledger_post's statements, run after it in the same
-- statement, see the row it inserted.
CREATE FUNCTION ledger_account_id(p_owner uuid, p_purpose text, p_subject text, p_shard smallint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_id bigint;
BEGIN
  SELECT la.id INTO v_id FROM ledger_accounts la
   WHERE la.owner_id IS NOT DISTINCT FROM p_owner AND la.purpose = p_purpose
     AND la.subject = p_subject AND la.shard = p_shard;
  IF FOUND THEN
    RETURN v_id;
  END IF;
  INSERT INTO ledger_accounts (owner_id, purpose, subject, shard, is_user)
  VALUES (p_owner, p_purpose, p_subject, p_shard, p_owner IS NOT NULL)
  ON CONFLICT ON CONSTRAINT ledger_accounts_identity DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    -- A concurrent posting created it first (and has committed: ON CONFLICT waited for it).
    SELECT la.id INTO v_id FROM ledger_accounts la
     WHERE la.owner_id IS NOT DISTINCT FROM p_owner AND la.purpose = p_purpose
       AND la.subject = p_subject AND la.shard = p_shard;
  END IF;
  RETURN v_id;
END
$$;

-- Down Migration
DROP FUNCTION ledger_account_id(uuid, text, text, smallint);
