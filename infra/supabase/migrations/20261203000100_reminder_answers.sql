-- How customers answered their reminders (issue 17): what the reminder outcome metrics count.
--
--   appointment_reminders.answer       the customer's first answer to this reminder:
--                                      confirmed / cancelled (a Confirmar / Cancelar tap, applied
--                                      without the model), change (a Cambiar tap) or typed (a
--                                      written reply while the reminder was the last word); both
--                                      of the last two go to the assistant with the appointment
--                                      in context. NULL: no answer.
--   appointment_reminders.answered_at  when that answer arrived.
-- The first answer stays: a redelivered or repeated tap changes nothing.

alter table public.appointment_reminders
  add column if not exists answer text
    constraint appointment_reminders_answer_check
      check (answer is null or answer in ('confirmed', 'cancelled', 'change', 'typed')),
  add column if not exists answered_at timestamptz,
  add constraint appointment_reminders_answered_check check ((answer is null) = (answered_at is null));
