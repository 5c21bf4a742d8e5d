"""Issue 13 item 7: the optional `state` column (migration 0005) that selects state caps."""

from __future__ import annotations

from bot.cli import main
from tests.store.helpers import stderr_lines, write


def test_state_column_is_optional_validated_and_kept_on_reimport(db, tmp_path, capsys):
    from bot.store.db import session_scope
    from bot.store.models import Account

    path = write(tmp_path, "account_id,name,phone,balance,state\n"
                           "S1,Ann Lee,+16175550100,100.00,ma\n"
                           "S2,Bo Diaz,+12125550100,100.00,NYC\n"
                           "S3,Cy Fox,+13125550100,100.00,\n")
    assert main(["import", str(path)]) == 0
    with session_scope() as s:
        assert [s.get(Account, a).state for a in ("S1", "S2", "S3")] == ["MA", "NYC", None]
    # a file without the column leaves the state on file as it is
    again = write(tmp_path, "account_id,name,phone,balance\nS1,Ann Lee,+16175550100,90.00\n", "again.csv")
    assert main(["import", str(again)]) == 0
    with session_scope() as s:
        assert s.get(Account, "S1").state == "MA"
    capsys.readouterr()
    bad = write(tmp_path, "account_id,name,phone,balance,state\nS4,Di Ng,+16175550100,1.00,Massachusetts\n",
                "bad.csv")
    assert main(["import", str(bad)]) == 2
    assert any("state" in line and "'Massachusetts'" in line for line in stderr_lines(capsys.readouterr()))
    with session_scope() as s:
        assert s.get(Account, "S4") is None
