"""PostgreSQL: `collectbot_evidence_append`, extending the evidence chain in one statement

A transaction's evidence records used to cost three round trips (the advisory lock, the
tail read, the multi-row INSERT); the function does the same three steps inside the server
(each of its statements sees what committed before it, so the tail read after the lock is
the true tail) and computes each record's SHA-256 there. The caller passes each record's
canonical JSON up to its `prev_hash` value (`bot.store.evidence.hash_prefix`); the hash is
over that prefix, the previous hash and `","seq":N}`, exactly the canonical JSON
`bot.store.evidence.record_hash` hashes, so `collectbot evidence verify` checks these
records like any other. SQLite has no such function and keeps the statements (its
BEGIN IMMEDIATE is the lock).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION collectbot_evidence_append(
    p_key bigint, p_kinds text[], p_ats timestamptz[], p_accounts text[], p_payloads text[],
    p_prefixes text[]) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_seq integer;
    v_prev text;
    v_hash text;
    i integer;
BEGIN
    PERFORM pg_advisory_xact_lock(p_key);
    SELECT seq, hash INTO v_seq, v_prev FROM evidence ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        v_seq := 0;
        v_prev := repeat('0', 64);
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_kinds, 1), 0) LOOP
        v_seq := v_seq + 1;
        v_hash := encode(sha256(convert_to(
            p_prefixes[i] || v_prev || '","seq":' || v_seq::text || '}', 'UTF8')), 'hex');
        INSERT INTO evidence (seq, kind, at, account_id, payload, prev_hash, hash)
        VALUES (v_seq, p_kinds[i], p_ats[i], p_accounts[i], p_payloads[i], v_prev, v_hash);
        v_prev := v_hash;
    END LOOP;
    RETURN v_seq;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS collectbot_evidence_append('
                   'bigint, text[], timestamptz[], text[], text[], text[])')
