"""Local servers standing in for the third parties the stack talks to, chosen from the environment.

Gupshup is always local (there is no Gupshup sandbox to send to from here) unless GUPSHUP_API_URL
points elsewhere; the model is real when OPENAI_API_KEY is set, Gemini when GEMINI_API_KEY is set.
Otherwise the scripted stand-in of `devstack.demo_model` plays the model and a local server plays
Gemini. Google Calendar (OAuth and the Calendar API) is always local: nothing here can consent in a
real Google account. Shared by `make demo` and `make local` (which `make chat` talks to).
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass

from devstack.config import LocalConfig
from devstack.demo_model import scripted_receptionist
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.google_calendar import FakeGoogleCalendar
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI

# A voice note the local Gemini knows how to "transcribe" (the demo sends it).
VOICE_NOTE = b"OggS\x00\x02demo-voice-note" + bytes(range(64))
VOICE_TRANSCRIPT = "Me viene bien a las diez. Me llamo Lucía Pérez."


@dataclass
class StandIns:
    gupshup: FakeGupshup | None  # None when GUPSHUP_API_URL names a real endpoint
    model: FakeOpenAI | None  # None when the real model answers
    gemini: FakeGemini | None  # None when the real Gemini answers
    google_calendar: FakeGoogleCalendar | None = None  # always started by start_stand_ins

    def banner(self, config: LocalConfig) -> str:
        lines = []
        if self.model is not None:
            lines += [
                "*** No OPENAI_API_KEY: a SCRIPTED STAND-IN plays the model"
                + (" (and Gemini)" if self.gemini is not None else "")
                + ". ***",
                "*** Set OPENAI_API_KEY (and GEMINI_API_KEY) to talk to the real models. ***",
            ]
        else:
            lines.append(f"Using the real model at {config.openai_base_url} ({config.openai_model}).")
            if self.gemini is not None:
                lines.append("No GEMINI_API_KEY: a local server stands in for Gemini (voice notes, photos).")
        if self.gupshup is not None:
            lines.append(f"Gupshup is a local server ({self.gupshup.url}): it records what would reach WhatsApp.")
        if self.google_calendar is not None:
            lines.append(
                f"Google Calendar is a local server ({self.google_calendar.url}): consent is automatic,"
                " its calendars live in memory (control API: /_control, devstack/fakes/google_calendar.py)."
            )
        return "\n".join(lines)


def start_stand_ins(config: LocalConfig, ctx: ExitStack, *, local_gupshup: bool | None = None) -> StandIns:
    """Start what the environment does not provide and point `config` at it; `ctx` stops them.
    `local_gupshup` forces the choice (the demo always records locally)."""
    if local_gupshup is None:
        local_gupshup = not os.environ.get("GUPSHUP_API_URL")
    gupshup = None
    if local_gupshup:
        gupshup = ctx.enter_context(FakeGupshup(api_key=config.gupshup_api_key, app_token=config.gupshup_app_token))
        config.gupshup_api_url = config.gupshup_partner_api_url = gupshup.url
    model = None
    if os.environ.get("OPENAI_API_KEY"):
        config.openai_base_url = os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
    else:
        model = ctx.enter_context(FakeOpenAI(responder=scripted_receptionist))
        config.openai_base_url = f"{model.url}/v1"
    gemini = None
    if os.environ.get("GEMINI_API_KEY"):
        config.gemini_base_url = os.environ.get("GEMINI_BASE_URL", "")  # empty: Google's endpoint
    else:
        gemini = ctx.enter_context(FakeGemini())
        gemini.answer_for(VOICE_NOTE, VOICE_TRANSCRIPT)
        config.gemini_base_url = gemini.url
    calendar = ctx.enter_context(
        FakeGoogleCalendar(client_id=config.google_client_id, client_secret=config.google_client_secret)
    )
    config.google_oauth_url = calendar.oauth_url
    config.google_token_url = calendar.token_url
    config.google_calendar_api_url = calendar.api_url
    return StandIns(gupshup, model, gemini, calendar)
