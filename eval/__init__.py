"""A τ-bench-style evaluation of the receptionist (issue 18): simulated customers talk to the real
agent graph, its real tools and the real CRM (embedded Postgres, one database per trial, a frozen
"now"); a trial passes only if the CRM ends in the task's goal state and the assistant said what
it must. `python -m eval --help`; README, "Evaluation"."""
