-- How customers answered their reminders (issue 17): what the reminder outcome metrics count.
--
--   appointment_reminders.answer       the customer's answer to this reminder:
--                                      confirmed / cancelled (a Confirmar / Cancelar tap, applied
--                                      without the model), change (a Cambiar tap) or typed (a
--                                      written reply while the reminder was the last word); both
--                                      of the last two go to the assistant with the appointment
--                                      in context. NULL: no answer.
--   appointment_reminders.answered_at  when that answer arrived.
--   appointment_reminders.answer_turn  the turn that recorded it (a retried turn finds its own
--                                      answer again, so the agent still gets the context).
-- A tap replaces an earlier answer (Confirmar, then Cancelar: cancelled); a written reply counts
-- only when there was none. A redelivered or repeated tap changes nothing.

alter table public.appointment_reminders
  add column if not exists answer text
    constraint appointment_reminders_answer_check
      check (answer is null or answer in ('confirmed', 'cancelled', 'change', 'typed')),
  add column if not exists answered_at timestamptz,
  add column if not exists answer_turn text check (answer_turn is null or char_length(answer_turn) <= 512),
  add constraint appointment_reminders_answered_check check ((answer is null) = (answered_at is null));
