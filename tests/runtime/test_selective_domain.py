"""`collectbot run` sends the domain only to the actions that read it (Rasa's selective
domain, `bot.runtime.server.endpoints_for`): that is only safe while no other action of
ours reads its `domain` argument, which this checks in the source of `actions/`."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.server import endpoints_for

ROOT = Path(__file__).resolve().parents[2]
#: base classes whose actions Rasa still sends the domain to (their names are `validate_*`)
DOMAIN_READERS = {"FormValidationAction", "ValidationAction"}


def _domain_reads(tree: ast.AST) -> List[str]:
    """Where code outside a validation action uses a `domain` value other than by
    handing it on to the wrapped `run` (negotiation's `policy_guard`)."""
    readers = {node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
               and {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases} & DOMAIN_READERS}
    inside = {id(n) for cls in readers for n in ast.walk(cls)}
    # handed on to another action's `run` (`run(...)` or `SomeAction().run(...)`): that
    # action is in actions/ too, so this same check covers what it does with it
    handed_on = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and (getattr(node.func, "id", None) == "run"
                      or getattr(node.func, "attr", None) == "run") for arg in node.args}
    return [f"line {node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id == "domain"
            and isinstance(node.ctx, ast.Load) and id(node) not in inside | handed_on]


def test_no_action_but_a_validation_action_reads_the_domain():
    found = {path.name: _domain_reads(ast.parse(path.read_text(encoding="utf-8")))
             for path in sorted((ROOT / "actions").glob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_sees_a_read():
    source = ("class A(Action):\n    def run(self, dispatcher, tracker, domain):\n"
              "        return domain['slots']\n")
    assert _domain_reads(ast.parse(source)) == ["line 3"]
    assert _domain_reads(ast.parse(source.replace("Action)", "FormValidationAction)"))) == []


def test_only_validation_actions_get_the_domain(tmp_path):
    (tmp_path / "endpoints.yml").write_text("", encoding="utf-8")
    endpoint = endpoints_for(tmp_path / "endpoints.yml", "http://127.0.0.1:1/webhook").action
    domain = Domain.from_yaml("""
version: "3.1"
actions: [action_verification_result, validate_verification_form]
""")
    tracker = DialogueStateTracker("+15550000000", domain.slots)
    calls = {name: RemoteAction(name, endpoint)._action_call_format(tracker, domain)
             for name in ("action_verification_result", "validate_verification_form")}
    assert "domain" not in calls["action_verification_result"]
    assert calls["validate_verification_form"]["domain"] == domain.as_dict()
