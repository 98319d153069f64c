"""The console's appointments pages (an APIRouter under BASE, included by app.create_app)."""

from __future__ import annotations

from fastapi import APIRouter

from receptionist.console.web import BASE

router = APIRouter(prefix=BASE)
