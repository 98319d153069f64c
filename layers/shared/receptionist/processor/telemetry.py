"""What the processor's turn reports mean as telemetry: one log line and a few EMF metrics per
ticket.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  Turn_<outcome>        every ticket: answered, replayed, skipped_debounce, gave_up, human_owned,
                        opted_out, media_failed, unknown_app, nothing_pending, opted_in,
                        reminder_answer (a reminder's Confirmar / Cancelar tap, no model call),
                        recall_answer (a recall's "No, gracias" tap, no model call)... ; failed
  TurnsGivenUp          turns that ended in the fallback sentence and a staff notice (alarmed)
  TurnsOverBudget       turns not answered by the model: a conversation's or business's budget
                        was spent (alarmed)
  MessagesCarried       messages left for the next turn by the turn limits
  MessagesTakenOver     messages of a failed or abandoned turn answered by a later one
  TurnsSettled          earlier recorded turns a ticket sent and finished
  SearchDegraded        knowledge searches that ran on full text alone (embeddings endpoint down)
  CalendarCheckFallback bookings and moves whose re-check in the member's calendar got no answer in
                        time (Google down, a timeout, no time left in the turn): the synced busy
                        blocks decided (docs/calendar.md)
  ReadReceipts, ReadReceiptsFailed  Gupshup calls marking the customer's message read (with
                        "typing…"), and those that failed (a timeout, a 5xx, a refused token: the
                        turn goes on; docs/processor.md, "Blue ticks and typing")
  TurnSeconds, TurnModelSeconds, TurnMediaSeconds, TurnDatabaseSeconds, TurnOverheadSeconds
  ModelCalls, PromptTokens, CachedPromptTokens, CompletionTokens

Logs carry the turn id (a Gupshup message id), outcome, counts and timings (db_round_trips: the
wiring's counters); never the customer's text or number. A ticket that raised (SQS retries it) is
Turn_failed, logged by type, SQL state and place: an exception's message may quote customer data.
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.processor.service import TurnReport
from receptionist.telemetry import Event, Failure

TURN_PREFIX: Final = "Turn_"
TURNS_GIVEN_UP: Final = "TurnsGivenUp"
TURNS_OVER_BUDGET: Final = "TurnsOverBudget"
SEARCH_DEGRADED: Final = "SearchDegraded"
CALENDAR_CHECK_FALLBACK: Final = "CalendarCheckFallback"

_TIMED = ("answered", "media_failed", "replayed", "gave_up")


def describe(report: TurnReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event("turn failed", level="error", fields=fields, counts={f"{TURN_PREFIX}failed": 1}, with_error=True)
    counts: dict[str, float] = {f"{TURN_PREFIX}{report.outcome}": 1}
    if report.outcome == "gave_up":
        counts[TURNS_GIVEN_UP] = 1
    if report.outcome == "over_budget":
        counts[TURNS_OVER_BUDGET] = 1
    for name, value in (
        ("MessagesCarried", report.carried),
        ("MessagesTakenOver", report.taken_over),
        ("TurnsSettled", report.settled),
        (SEARCH_DEGRADED, report.search_degraded),
        (CALENDAR_CHECK_FALLBACK, report.calendar_fallbacks),
    ):
        if value:
            counts[name] = value
    # The wiring's counters of the read receipts (in the log line as gupshup_read_*), as metrics.
    for name, key in (("ReadReceipts", "gupshup_read_calls"), ("ReadReceiptsFailed", "gupshup_read_failures")):
        if fields.get(key):
            counts[name] = fields[key]
    seconds: dict[str, float] = {}
    if report.outcome in _TIMED:
        seconds = {
            "TurnSeconds": report.total_seconds,
            "TurnModelSeconds": report.model_seconds,
            "TurnMediaSeconds": report.media_seconds,
            "TurnDatabaseSeconds": report.db_seconds,
            "TurnOverheadSeconds": report.overhead_seconds,
        }
        counts |= {
            "ModelCalls": report.model_calls,
            "PromptTokens": report.prompt_tokens,
            "CachedPromptTokens": report.cached_tokens,
            "CompletionTokens": report.completion_tokens,
        }
    gave_up = report.outcome == "gave_up"
    return Event(
        "turn fell back" if gave_up else "turn done",
        level="error" if gave_up else "info",
        fields={
            "outcome": report.outcome,
            "turn_id": report.turn_id,
            "messages": report.messages,
            "carried": report.carried or None,
            "taken_over": report.taken_over or None,
            "settled": report.settled or None,
            "error": report.error,
            "model_calls": report.model_calls,
            "tools": report.tools or None,  # names only, never arguments
            "seconds": round(report.total_seconds, 4),
            "model_seconds": round(report.model_seconds, 4),
            "media_seconds": round(report.media_seconds, 4),
            "db_seconds": round(report.db_seconds, 4),
            "overhead_seconds": round(report.overhead_seconds, 4),
            **fields,
        },
        counts=counts,
        seconds=seconds,
    )
