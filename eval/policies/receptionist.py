"""The evaluation's receptionist policies: variants of devstack's scripted receptionist
(devstack.scripted_receptionist, which the demo's stand-in model is another variant of)."""

from devstack.scripted_receptionist import ScriptedReceptionist

Policy = ScriptedReceptionist

CORRECT = Policy("correct")
DIRECT = Policy("direct", direct=True)
WRONG = Policy("wrong", wrong=True)
