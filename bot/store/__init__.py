"""The durable store: accounts, debts, contacts, opt-outs, arrangements, handoffs, evidence.

Rasa's tracker remembers conversations; this package remembers business facts, in SQLite
(default, a file under var/) or PostgreSQL (DATABASE_URL), through one session factory
(`bot.store.db`) and one schema history (Alembic, `bot/store/migrations`).
"""
