"""`python -m eval` (`make eval`): run the tasks, write eval/runs/<timestamp>/ and eval/results.md.

With OPENAI_API_KEY set, the real models play the assistant (OPENAI_BASE_URL, OPENAI_MODEL or
--model) and the customer (EVAL_USER_BASE_URL, EVAL_USER_API_KEY, EVAL_USER_MODEL or
--user-model; default: the assistant's). Without it, or with --scripted POLICY, the scripted pair
runs instead (a scripted customer and a rule-based receptionist; not a model's numbers).

Before the first task each model endpoint is checked with one chat completion; a run that cannot
start (an endpoint that does not answer, EVAL_USER_BASE_URL on another host without its own
EVAL_USER_API_KEY) exits 2 and changes nothing. Trials that errored are not scored; a run with
any exits 1, and when every trial errored the summary is not written.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from eval.endpoints import EvalRefused
from eval.policies import POLICIES
from eval.report import RESULTS, RUNS
from eval.run import environment, models_from_env, run_eval


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--model", help="the assistant's model (default: OPENAI_MODEL, else the processor's default)")
    parser.add_argument("--user-model", help="the simulated customer's model (default: EVAL_USER_MODEL, else --model)")
    parser.add_argument("--k", type=int, default=4, help="trials per task (default 4)")
    parser.add_argument("--tasks", help="comma-separated words: keep tasks whose id or tags contain one")
    parser.add_argument("--parallel", type=int, default=4, help="trials at once (default 4)")
    parser.add_argument("--scripted", choices=sorted(POLICIES), help="run the scripted pair with this policy")
    parser.add_argument("--database-url", help="a PostgreSQL server's owner URL (default: an embedded one)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the summary goes (eval/results.md)")
    parser.add_argument("--runs", type=Path, default=RUNS, help="where transcripts go (eval/runs/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    env = environment()
    scripted = args.scripted or (None if env.get("OPENAI_API_KEY") else "correct")
    if scripted:
        print(f"eval: no OPENAI_API_KEY or --scripted: the scripted pair runs (policy {scripted}), not a model")
    try:
        models = None if scripted else models_from_env(env, args.model, args.user_model)
        outcome = run_eval(
            task_filter=args.tasks,
            k=args.k,
            parallel=args.parallel,
            models=models,
            scripted_policy=scripted,
            database_url=args.database_url,
            results_path=args.results,
            runs=args.runs,
        )
    except EvalRefused as refused:
        print(f"eval: not started: {refused}", file=sys.stderr)
        return 2
    print(outcome.summary)
    print(f"transcripts: {outcome.transcripts}")
    if outcome.results_path is None:
        print(
            f"eval: all {outcome.trials} trials errored (their errors: {outcome.transcripts});"
            f" {args.results} was left as it was.",
            file=sys.stderr,
        )
        return 1
    print(f"summary: {outcome.results_path}")
    if outcome.errored:
        print(
            f"eval: {len(outcome.errored)} of {outcome.trials} trials errored: not scored (listed in the summary).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
