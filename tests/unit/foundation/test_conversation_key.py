"""One conversation key: "<app>#<number>" is built, split and derived from in one place
(receptionist/conversation_key.py), and what derives from it (the FIFO group, the conversations
table's partition) is what the functions have always written."""

from __future__ import annotations

import ast
from pathlib import Path

from receptionist.conversation_key import ConversationKey
from receptionist.messages import fifo_id

PACKAGE = Path(__file__).resolve().parents[3] / "layers" / "shared" / "receptionist"


def test_its_text_form_group_and_partition() -> None:
    key = ConversationKey("ClinicaSonrisa", "34600111222")
    assert str(key) == "ClinicaSonrisa#34600111222"
    assert key.group == "ClinicaSonrisa#34600111222"  # ASCII: the group is the key itself
    assert key.partition == "CONV#ClinicaSonrisa#34600111222"


def test_it_reads_back_as_it_was_written() -> None:
    key = ConversationKey("ClínicaSonrisa", "34600111222")
    assert ConversationKey.parse(str(key)) == key
    assert ConversationKey.from_partition(key.partition) == key
    assert key.group == fifo_id("ClínicaSonrisa#34600111222") != str(key)  # SQS takes ASCII only: hashed


def _by_hand(tree: ast.AST) -> list[str]:
    """Places that build or split a conversation key themselves: f"{app}#{number}", a
    conversation split at "#", or the table's "CONV#" prefix spelled out."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            if (
                len(parts) == 3
                and isinstance(parts[1], ast.Constant)
                and parts[1].value == "#"
                and "app" in ast.unparse(parts[0])
            ):
                found.append(ast.unparse(node))
            if parts and isinstance(parts[0], ast.Constant) and str(parts[0].value).startswith("CONV#"):
                found.append(ast.unparse(node))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("partition", "rpartition", "split", "rsplit")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "#"
            and "conversation" in ast.unparse(node.func.value)
        ):
            found.append(ast.unparse(node))
    return found


def test_no_module_builds_or_splits_the_key_by_hand() -> None:
    found = {
        str(path.relative_to(PACKAGE)): places
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "conversation_key.py" and (places := _by_hand(ast.parse(path.read_text())))
    }
    assert found == {}


def test_the_probe_would_notice() -> None:
    """Against a vacuous pass: the three shapes the functions used to write."""
    code = 'a = f"{app}#{number}"\nb = conversation.partition("#")\nc = f"CONV#{conversation}"'
    assert len(_by_hand(ast.parse(code))) == 3
