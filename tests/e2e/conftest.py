"""The whole pipeline on the local stack: HTTP webhook -> SQS (moto) -> processor -> agent ->
SQS -> notifier -> a local Gupshup server, with the scripted stand-in model."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

sys.path.insert(0, str(Path(__file__).parent))  # e2e_kit, shared by these tests

from e2e_kit import Pipeline, PlayedDemo
from stack_kit import share

from devstack.demo_model import scripted_receptionist
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.langfuse import FakeLangfuse
from devstack.fakes.openai import FakeOpenAI
from devstack.stack import LocalConfig, LocalStack
from devstack.stand_ins import VOICE_NOTE, VOICE_TRANSCRIPT


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with (
        FakeGupshup(api_key="local-gupshup-key") as gupshup,
        FakeOpenAI(responder=scripted_receptionist) as model,
        FakeGemini() as gemini,
        FakeLangfuse() as langfuse,
    ):
        gemini.answer_for(VOICE_NOTE, VOICE_TRANSCRIPT)
        config = LocalConfig.ephemeral(
            tmp_path_factory.mktemp("e2e"),
            debounce_seconds=1,
            gupshup_api_url=gupshup.url,
            openai_base_url=f"{model.url}/v1",
            gemini_base_url=gemini.url,
            concurrency=3,
            retry_after_seconds=1,  # failed records come back after 1 s instead of minutes
            webhook_secrets={"SalonLima": "salon-lima-webhook-secret"},  # each business its own
            langfuse_url=langfuse.url,  # tracing on: an erasure deletes the customer's traces (test_erasure.py)
            schedule_seconds=1,  # the sweeper every second instead of every minute...
            # ...and a message is stale 2 s after the debounce (the template: 20 s, every minute).
            extra_env={
                "SWEEP_MARGIN_SECONDS": "2",
                "RESWEEP_SECONDS": "20",
                # Every level, so the log scan (test_logs.py) sees all the functions can say.
                "POWERTOOLS_LOG_LEVEL": "DEBUG",
            },
        )
        with LocalStack(config) as stack:
            share("pipeline", stack)  # paused between the tests that use it
            yield Pipeline(stack, gupshup, model, gemini, langfuse)


@pytest.fixture(scope="session")
def demo_conversation(pipeline: Pipeline) -> PlayedDemo:
    """The demo's conversation, played once for the tests that read it (it takes a while)."""
    return PlayedDemo.play(pipeline)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _chromium() -> Iterator[WebDriver]:
    """Debian's headless Chromium in a phone-sized window (the console is used on phones)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=430,1400"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    yield from _chromium()


@pytest.fixture
def second_browser() -> Iterator[WebDriver]:
    """Another person's browser (its own cookies)."""
    yield from _chromium()
