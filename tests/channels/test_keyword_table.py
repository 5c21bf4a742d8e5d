"""The SMS channel answers STOP / START / HELP from its pack's keyword table, built once per
pack (it was rebuilt, every keyword folded again, for each inbound message), with the same
answers."""

from __future__ import annotations

from dataclasses import replace

from compliance_filters import keywords, load_pack


def test_the_table_is_built_once_per_pack_and_answers_the_same(monkeypatch):
    pack = load_pack("us")
    built = []
    build = keywords._build_table

    def counting(p):
        built.append(p)
        return build(p)

    monkeypatch.setattr(keywords, "_build_table", counting)
    keywords._TABLES.clear()
    answers = [keywords.keyword_action(pack, body, opted)
               for body in ("STOP", "stop please", "HELP", "yes", "hello there")
               for opted in (False, True)]
    assert answers == ["optout", "optout", "optout", "optout", "help", "help", None, "optin",
                       None, None]
    assert built == [pack]
    other = replace(pack, keywords={**pack.keywords, "optout": ("HALT",)})  # another pack
    assert keywords.keyword_action(other, "halt") == "optout"
    assert keywords.keyword_action(pack, "halt") is None
    assert built == [pack, other]
