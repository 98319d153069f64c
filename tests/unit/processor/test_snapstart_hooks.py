"""The processor's cold start as Lambda runs it with SnapStart: importing app.py registers the
snapshot hooks, opens no socket (nothing to go stale in a snapshot), and the before-snapshot
hook loads what the first turns would import lazily."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.lambda_context import run_fresh
from devstack.template import function_env

ROOT = Path(__file__).resolve().parents[3]

_PROBE = """
import os, sys, json
import app
import snapshot_restore_py as hooks

def sockets():  # TCP connections this process holds (X-Ray's UDP emitter holds none)
    inodes = set()
    for table in ('/proc/self/net/tcp', '/proc/self/net/tcp6'):
        with open(table) as lines:
            inodes |= {line.split()[9] for line in list(lines)[1:]}
    links = []
    for fd in os.listdir('/proc/self/fd'):
        try:
            links.append(os.readlink(f'/proc/self/fd/{fd}'))
        except OSError:
            pass
    return sum(link.startswith('socket:[') and link[8:-1] in inodes for link in links)

seen = {'before': len(hooks.get_before_snapshot()), 'after': len(hooks.get_after_restore()),
        'sockets_after_init': sockets(), 'genai_at_init': 'google.genai' in sys.modules,
        'detector_at_init': 'py3langid' in sys.modules}
for func, args, kwargs in reversed(hooks.get_before_snapshot()):  # as Lambda runs them
    func(*args, **kwargs)
seen['genai_in_snapshot'] = 'google.genai' in sys.modules
from receptionist.i18n import detection
seen['detector_in_snapshot'] = detection._identifier is not None
seen['sockets_in_snapshot'] = sockets()
for func, args, kwargs in hooks.get_after_restore():
    func(*args, **kwargs)
print(json.dumps(seen))
"""


def test_importing_the_processor_registers_the_hooks_and_opens_no_socket() -> None:
    env = function_env("ProcessorFunction")
    seen = json.loads(run_fresh(_PROBE, code_dir=ROOT / "functions" / "processor", env=env))
    assert seen == {
        "before": 1,
        "after": 1,
        "sockets_after_init": 0,
        "genai_at_init": False,  # media turns are rare: not paid at a plain cold start...
        "genai_in_snapshot": True,  # ...but free once it is in the snapshot
        "detector_at_init": False,  # the language detector (numpy, its model): loaded by the hook...
        "detector_in_snapshot": True,  # ...so no restored container pays for it on its first turn
        "sockets_in_snapshot": 0,
    }


def test_without_the_snapstart_runtime_registering_is_a_no_op() -> None:
    code = (
        "import sys\nsys.modules['snapshot_restore_py'] = None  # as on a runtime without it\n"
        "from receptionist.processor import snapshot\n"
        "class C:\n    def close(self): raise AssertionError('not called')\n"
        "print(snapshot.register(C()))\n"
    )
    assert run_fresh(code) == "False"
