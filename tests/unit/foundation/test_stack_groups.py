"""`make test`'s scheduling (tests/stack_kit.py): the modules that use a session's shared local stack
are one unit of work for pytest-xdist, so one worker starts that stack, not each worker; a module
with a fixture of the same name of its own is not one of them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from stack_kit import stack_group_scheduling, stack_of_module

ROOT = Path(__file__).resolve().parents[3]
TESTS = ROOT / "tests"


@pytest.mark.parametrize(
    ("module", "stack"),
    [
        ("e2e/test_conversation.py", "pipeline"),
        ("e2e/test_console_browser.py", "pipeline"),
        ("e2e/test_chaos.py", None),  # its own stack, killed workers and all
        ("integration/devstack/test_local_stack.py", "local_stack"),
        ("integration/webhook/test_webhook_local_stack_integration.py", "local_stack"),
        ("integration/processor/test_pipeline.py", None),  # a module fixture called `pipeline`
        ("integration/ops/test_forget_cli.py", None),  # a fixture called `local_stack`: a state directory
        ("unit/foundation/test_test_layout.py", None),
    ],
)
def test_a_module_s_shared_stack_is_read_from_its_functions_parameters(module: str, stack: str | None) -> None:
    assert stack_of_module(TESTS / module) == stack


class _Config:
    """What the scheduler reads of pytest's configuration: two workers, the repository's root."""

    rootpath = ROOT
    option = SimpleNamespace(loadscopereorder=False)

    def getvalue(self, name: str) -> Any:
        return ["2*popen"] if name == "tx" else None


def test_the_modules_of_one_stack_are_one_unit_of_work_and_the_others_one_each() -> None:
    scheduler: Any = stack_group_scheduling(_Config(), None)  # type: ignore[arg-type]
    scopes = {
        nodeid: scheduler._split_scope(nodeid)
        for nodeid in [
            "tests/e2e/test_conversation.py::test_the_demo_conversation",
            "tests/e2e/test_tenants.py::test_one_number_two_businesses_two_separate_conversations",
            "tests/e2e/test_chaos.py::test_thirty_conversations_survive_workers_killed_at_random",
            "tests/integration/devstack/test_local_stack.py::test_stack_json_describes_the_stack",
            "tests/integration/devstack/test_local_calendar.py::test_the_calendar_function_runs_its_minute_on_the_stack",
            "tests/integration/processor/test_pipeline.py::test_three_messages_within_the_window_are_one_turn",
            "tests/unit/foundation/test_test_layout.py::test_no_two_helpers_share_a_name",
            "tests/unit/foundation/test_test_layout.py::test_no_test_module_is_over_600_lines",
        ]
    }
    assert sorted(set(scopes.values())) == [
        "shared stack: local_stack",
        "shared stack: pipeline",
        "tests/e2e/test_chaos.py",
        "tests/integration/processor/test_pipeline.py",
        "tests/unit/foundation/test_test_layout.py",
    ]
    assert scopes["tests/e2e/test_tenants.py::test_one_number_two_businesses_two_separate_conversations"] == (
        "shared stack: pipeline"
    )
