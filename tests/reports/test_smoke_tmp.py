import json
from bot.reports.metrics import ReportQuery, compute
from bot.store.db import session_scope
from tests.reports.history import AS_OF, generate

def test_smoke(db, tmp_path):
    generate(tmp_path, accounts=10)
    for by in ((), ("day",), ("week", "tier"), ("channel",), ("pack", "language", "creditor")):
        with session_scope() as s:
            r = compute(s, ReportQuery(by=by, as_of=AS_OF))
        print(by, len(r.rows), json.dumps(r.as_json()["rows"][0], ensure_ascii=False)[:1500])
