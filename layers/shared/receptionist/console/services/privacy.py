"""An owner blocks or erases a customer of a conversation (docs/privacy.md, "Blocking and erasing
one customer"). The work is receptionist.privacy.forget.ForgetService on the console's role: the
CRM's part runs in the SECURITY DEFINER functions forget_begin / forget_step / forget_finish,
which check that the account's Cognito sub is an owner of the business and write the audit lines.
A value to correct is AskAgain (nothing removed); a run that stops midway is Unavailable, and the
same form sent again finishes it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from receptionist.console.errors import Conflict, ConsoleError, NotFound, Unavailable
from receptionist.console.forms.privacy import ForgetForm
from receptionist.crm import inbox
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount
from receptionist.logsafe import error_fields
from receptionist.privacy.forget import ForgetService, Outcome
from receptionist.privacy.ports import Caller, ForgetRefused

logger = logging.getLogger(__name__)


class AskAgain(ConsoleError):
    """The conversation again, with the sentence (`code`) and what was typed: nothing was removed."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.status = status


@dataclass
class PrivacyService:
    db: Database  # acting for the owner's organization
    owner: StaffAccount
    forget: ForgetService | None  # None: this console cannot reach the stores

    def forget_customer(self, identity_id: str, form: ForgetForm) -> Outcome:
        if self.forget is None:
            raise Unavailable("privacy_unavailable")
        org = self.owner.organization_id
        summary = inbox.conversation(self.db, org, identity_id)
        if summary is None:  # another business's conversation (or no id)
            raise NotFound("not_found")
        try:
            mode, keep_until = form.checked(summary.customer_number, date.today())
        except ConsoleError as problem:
            raise AskAgain(problem.code) from problem
        caller = Caller(sub=self.owner.sub)
        try:
            return self.forget.forget(caller, org, summary.customer_number, mode, form.reason.strip(), keep_until)
        except ForgetRefused as refused:
            if refused.code == "no_request":  # a run sent twice at once: the other one finished it
                raise Conflict("privacy_no_request") from refused
            raise AskAgain(f"privacy_{refused.code}", 403 if refused.code == "not_allowed" else 400) from refused
        except Exception as exc:  # a store or the database failed: the request stays running
            logger.error("customer block or erasure stopped midway", extra=error_fields(exc))
            raise Unavailable("privacy_stopped") from exc
