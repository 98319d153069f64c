-- Demo business for the local stack, the demo and the tests. Idempotent: fixed ids and
-- ON CONFLICT DO NOTHING, so loading it again changes nothing.

insert into public.organizations (id, name) values
  ('00000000-0000-4000-8000-000000000001', 'Clínica Dental Sonrisa')
on conflict do nothing;
-- A dental clinic handles health data: its staff accounts need a second factor too (docs/console.md).
update public.organizations set health = true where id = '00000000-0000-4000-8000-000000000001';

insert into public.agent_settings
  (organization_id, assistant_name, tone, instructions, language, timezone,
   booking_lead_minutes, booking_horizon_days, slot_step_minutes, emergency_number) values
  ('00000000-0000-4000-8000-000000000001', 'Sofía', 'cálido, cercano y profesional; tutea al cliente',
   'Si el cliente tiene dolor fuerte o sangrado, ofrece la primera cita disponible y pásalo con una persona.',
   'es', 'Europe/Madrid', 120, 60, 30, '112')
on conflict do nothing;

insert into public.platform_connections (id, organization_id, provider, app_name, business_number, api_key_ref) values
  ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'gupshup',
   'ClinicaSonrisa', '34910000001', '/receptionist/dev/gupshup/ClinicaSonrisa')
on conflict do nothing;

insert into public.services (id, organization_id, name, description, duration_minutes, price_cents, bookable) values
  ('00000000-0000-4000-8001-000000000001', '00000000-0000-4000-8000-000000000001', 'Limpieza dental',
   'Limpieza profesional con ultrasonidos y pulido. Recomendada cada seis meses.', 30, 4500, true),
  ('00000000-0000-4000-8001-000000000002', '00000000-0000-4000-8000-000000000001', 'Blanqueamiento dental',
   'Blanqueamiento en clínica con lámpara LED, una sesión.', 60, 25000, true),
  ('00000000-0000-4000-8001-000000000003', '00000000-0000-4000-8000-000000000001', 'Primera consulta de ortodoncia',
   'Valoración, fotografías y plan de tratamiento de ortodoncia o alineadores invisibles.', 30, 0, true),
  ('00000000-0000-4000-8001-000000000004', '00000000-0000-4000-8000-000000000001', 'Empaste',
   'Obturación de una caries con composite del color del diente.', 45, 6000, true),
  ('00000000-0000-4000-8001-000000000005', '00000000-0000-4000-8000-000000000001', 'Implante dental',
   'Implante de titanio con corona. Requiere consulta previa: no se reserva por WhatsApp.', 90, 120000, false)
on conflict do nothing;

insert into public.members (id, organization_id, name) values
  ('00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8000-000000000001', 'Dra. Laura Gómez'),
  ('00000000-0000-4000-8002-000000000002', '00000000-0000-4000-8000-000000000001', 'Dr. Andrés Ruiz')
on conflict do nothing;

-- Dra. Gómez does everything; Dr. Ruiz does cleanings, fillings and orthodontics.
insert into public.member_services (organization_id, member_id, service_id) values
  ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8001-000000000001'),
  ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8001-000000000002'),
  ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8001-000000000003'),
  ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8001-000000000004'),
  ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000002', '00000000-0000-4000-8001-000000000001'),
  ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000002', '00000000-0000-4000-8001-000000000003'),
  ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000002', '00000000-0000-4000-8001-000000000004')
on conflict do nothing;

-- Dra. Gómez: Monday to Friday 09:00-14:00 and 16:00-20:00 (split shift).
-- Dr. Ruiz: Monday to Thursday 10:00-18:00, Friday 09:00-15:00.
insert into public.member_hours (id, organization_id, member_id, weekday, starts, ends)
select ('00000000-0000-4000-8003-0000000000' || lpad((d * 10 + s)::text, 2, '0'))::uuid,
       '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000001', d,
       case s when 1 then time '09:00' else time '16:00' end,
       case s when 1 then time '14:00' else time '20:00' end
from generate_series(1, 5) as d, generate_series(1, 2) as s
on conflict do nothing;

insert into public.member_hours (id, organization_id, member_id, weekday, starts, ends)
select ('00000000-0000-4000-8004-0000000000' || lpad(d::text, 2, '0'))::uuid,
       '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8002-000000000002', d,
       case when d = 5 then time '09:00' else time '10:00' end,
       case when d = 5 then time '15:00' else time '18:00' end
from generate_series(1, 5) as d
on conflict do nothing;

insert into public.knowledge_entries (id, organization_id, title, body) values
  ('00000000-0000-4000-8005-000000000001', '00000000-0000-4000-8000-000000000001', 'Horario',
   'Abrimos de lunes a viernes de 9:00 a 20:00. Sábados, domingos y festivos cerrado.'),
  ('00000000-0000-4000-8005-000000000002', '00000000-0000-4000-8000-000000000001', 'Dirección',
   'Estamos en la calle de Alcalá 123, 28009 Madrid, junto al metro Príncipe de Vergara.'),
  ('00000000-0000-4000-8005-000000000003', '00000000-0000-4000-8000-000000000001', 'Formas de pago',
   'Aceptamos efectivo, tarjeta y Bizum. Financiación sin intereses para tratamientos de más de 600 €.'),
  ('00000000-0000-4000-8005-000000000004', '00000000-0000-4000-8000-000000000001', 'Seguros',
   'Trabajamos con Sanitas, Adeslas y DKV. Trae tu tarjeta del seguro a la cita.'),
  ('00000000-0000-4000-8005-000000000005', '00000000-0000-4000-8000-000000000001', 'Cancelaciones',
   'Puedes cancelar o cambiar tu cita sin coste hasta 24 horas antes.'),
  ('00000000-0000-4000-8005-000000000006', '00000000-0000-4000-8000-000000000001', 'Depilación láser',
   'No ofrecemos depilación láser ni tratamientos estéticos faciales: somos una clínica dental.')
on conflict do nothing;

insert into public.notification_settings
  (organization_id, staff_numbers, escalation_template_id, escalation_template_params) values
  ('00000000-0000-4000-8000-000000000001', '{34699000001}', 'escalation_notice',
   '{customer_name,customer_number,reason}')
on conflict do nothing;

-- WhatsApp templates staff may send a customer when the 24-hour window is closed (the console).
insert into public.message_templates (organization_id, template_id, label, body, param_count) values
  ('00000000-0000-4000-8000-000000000001', 'retomar_conversacion', 'Retomar conversación',
   'Hola {{1}}, te escribimos de Clínica Dental Sonrisa para retomar tu consulta. ¿Seguimos por aquí?', 1),
  ('00000000-0000-4000-8000-000000000001', 'recordatorio_cita', 'Recordatorio de cita',
   'Hola {{1}}, te recordamos tu cita en Clínica Dental Sonrisa el {{2}}. Si no puedes venir, respóndenos a este mensaje.', 2)
on conflict do nothing;

-- Reminders (docs/reminders.md): the day before, with the approved recordatorio_cita template
-- ({{1}} the customer's name, {{2}} the date and time). Set once; a later change is kept.
update public.agent_settings
  set reminder_template_id = 'recordatorio_cita', reminder_template_params = '{customer_name,when}'
  where organization_id = '00000000-0000-4000-8000-000000000001' and reminder_template_id is null;

-- A second business, so tenancy is exercised everywhere (the webhook's secrets, row level
-- security, each organization's persona, time zone and hours): a hair salon in Lima.
insert into public.organizations (id, name) values
  ('00000000-0000-4000-9000-000000000001', 'Salón Bella Lima')
on conflict do nothing;
-- A salon: the no-show policy is off by default there (docs/noshow.md).
update public.organizations set kind = 'salon' where id = '00000000-0000-4000-9000-000000000001';

insert into public.agent_settings
  (organization_id, assistant_name, tone, instructions, language, timezone,
   booking_lead_minutes, booking_horizon_days, slot_step_minutes, emergency_number) values
  ('00000000-0000-4000-9000-000000000001', 'Camila', 'amable y alegre; trata de usted al cliente',
   'Recomienda reservar el tinte con al menos dos horas libres. No das consejos médicos sobre el cuero cabelludo.',
   'es', 'America/Lima', 60, 30, 15, '106')
on conflict do nothing;

insert into public.platform_connections (id, organization_id, provider, app_name, business_number, api_key_ref) values
  ('00000000-0000-4000-9000-000000000002', '00000000-0000-4000-9000-000000000001', 'gupshup',
   'SalonLima', '51987000001', '/receptionist/dev/gupshup/SalonLima')
on conflict do nothing;

insert into public.services (id, organization_id, name, description, duration_minutes, price_cents, currency, bookable) values
  ('00000000-0000-4000-9001-000000000001', '00000000-0000-4000-9000-000000000001', 'Corte de cabello',
   'Corte, lavado y secado.', 45, 3500, 'PEN', true),
  ('00000000-0000-4000-9001-000000000002', '00000000-0000-4000-9000-000000000001', 'Tinte completo',
   'Coloración de todo el cabello con lavado y secado.', 120, 12000, 'PEN', true),
  ('00000000-0000-4000-9001-000000000003', '00000000-0000-4000-9000-000000000001', 'Manicure',
   'Manicure clásica con esmaltado.', 45, 2500, 'PEN', true),
  ('00000000-0000-4000-9001-000000000004', '00000000-0000-4000-9000-000000000001', 'Peinado de novia',
   'Prueba y peinado el día de la boda. Se agenda con una persona: no se reserva por WhatsApp.', 90, 25000, 'PEN', false)
on conflict do nothing;

insert into public.members (id, organization_id, name) values
  ('00000000-0000-4000-9002-000000000001', '00000000-0000-4000-9000-000000000001', 'Rosa Quispe'),
  ('00000000-0000-4000-9002-000000000002', '00000000-0000-4000-9000-000000000001', 'Jorge Mendoza')
on conflict do nothing;

-- Rosa does hair; Jorge does hair and nails.
insert into public.member_services (organization_id, member_id, service_id) values
  ('00000000-0000-4000-9000-000000000001', '00000000-0000-4000-9002-000000000001', '00000000-0000-4000-9001-000000000001'),
  ('00000000-0000-4000-9000-000000000001', '00000000-0000-4000-9002-000000000001', '00000000-0000-4000-9001-000000000002'),
  ('00000000-0000-4000-9000-000000000001', '00000000-0000-4000-9002-000000000002', '00000000-0000-4000-9001-000000000001'),
  ('00000000-0000-4000-9000-000000000001', '00000000-0000-4000-9002-000000000002', '00000000-0000-4000-9001-000000000003')
on conflict do nothing;

-- Rosa: Tuesday to Saturday 10:00-19:00. Jorge: Monday to Friday 09:00-17:00 (Lima time).
insert into public.member_hours (id, organization_id, member_id, weekday, starts, ends)
select ('00000000-0000-4000-9003-0000000000' || lpad(d::text, 2, '0'))::uuid,
       '00000000-0000-4000-9000-000000000001', '00000000-0000-4000-9002-000000000001', d, time '10:00', time '19:00'
from generate_series(2, 6) as d
on conflict do nothing;

insert into public.member_hours (id, organization_id, member_id, weekday, starts, ends)
select ('00000000-0000-4000-9004-0000000000' || lpad(d::text, 2, '0'))::uuid,
       '00000000-0000-4000-9000-000000000001', '00000000-0000-4000-9002-000000000002', d, time '09:00', time '17:00'
from generate_series(1, 5) as d
on conflict do nothing;

insert into public.knowledge_entries (id, organization_id, title, body) values
  ('00000000-0000-4000-9005-000000000001', '00000000-0000-4000-9000-000000000001', 'Horario',
   'Atendemos de lunes a sábado de 9:00 a 19:00. Domingos cerrado.'),
  ('00000000-0000-4000-9005-000000000002', '00000000-0000-4000-9000-000000000001', 'Dirección',
   'Estamos en la avenida Larco 345, Miraflores, Lima, frente al parque Salazar.'),
  ('00000000-0000-4000-9005-000000000003', '00000000-0000-4000-9000-000000000001', 'Formas de pago',
   'Aceptamos efectivo, tarjeta, Yape y Plin.'),
  ('00000000-0000-4000-9005-000000000004', '00000000-0000-4000-9000-000000000001', 'Cancelaciones',
   'Puede cancelar o cambiar su cita sin costo hasta 12 horas antes.')
on conflict do nothing;

insert into public.notification_settings
  (organization_id, staff_numbers, escalation_template_id, escalation_template_params) values
  ('00000000-0000-4000-9000-000000000001', '{51987000099}', 'escalation_notice',
   '{customer_name,customer_number,reason}')
on conflict do nothing;

insert into public.message_templates (organization_id, template_id, label, body, param_count) values
  ('00000000-0000-4000-9000-000000000001', 'retomar_conversacion', 'Retomar conversación',
   'Hola {{1}}, le escribimos de Salón Bella Lima para retomar su consulta. ¿Le parece si seguimos por aquí?', 1),
  ('00000000-0000-4000-9000-000000000001', 'recordatorio_cita', 'Recordatorio de cita',
   'Hola {{1}}, le recordamos su cita en Salón Bella Lima el {{2}}. Si no puede venir, responda a este mensaje.', 2)
on conflict do nothing;

-- Templates from Gupshup (migration 20261208030000_gupshup_templates.sql): each seeded app's
-- Gupshup app id (the local Gupshup server holds the seeded templates under these ids, APPROVED:
-- devstack/fakes/gupshup.py SEEDED_APP_IDS), and the staff notice template the notifications name.
update public.platform_connections set gupshup_app_id = '5b0c1e2a-7d4f-4c1a-9e8b-c11c0000a001'
  where app_name = 'ClinicaSonrisa' and gupshup_app_id is null;
update public.platform_connections set gupshup_app_id = '5b0c1e2a-7d4f-4c1a-9e8b-5a10000a0002'
  where app_name = 'SalonLima' and gupshup_app_id is null;
-- Each seeded app's Partner App Token (read receipts and the typing indicator, migration
-- 20261211020000_gupshup_app_token.sql): the SSM parameter the local stack fills.
update public.platform_connections set app_token_ref = '/receptionist/dev/gupshup/' || app_name || '-app-token'
  where app_name in ('ClinicaSonrisa', 'SalonLima') and app_token_ref is null;
insert into public.message_templates (organization_id, template_id, label, body, param_count) values
  ('00000000-0000-4000-8000-000000000001', 'escalation_notice', 'Aviso al equipo',
   'Hola, {{1}} ({{2}}) quiere hablar con una persona: {{3}}', 3),
  ('00000000-0000-4000-9000-000000000001', 'escalation_notice', 'Aviso al equipo',
   'Hola, {{1}} ({{2}}) quiere hablar con una persona: {{3}}', 3)
on conflict do nothing;
-- The clinic's reminder in English and Brazilian Portuguese (issue 30: one template per language,
-- migration 20261211020000), chosen for its customers who write in those languages; the Spanish
-- recordatorio_cita stays the business-language default everyone else gets.
insert into public.message_templates (organization_id, template_id, label, body, param_count, name, language,
                                      category) values
  ('00000000-0000-4000-8000-000000000001', 'appointment_reminder_en', 'Appointment reminder',
   'Hi {{1}}, this is a reminder of your appointment at Clínica Dental Sonrisa on {{2}}. If you cannot come, reply to this message.',
   2, 'appointment_reminder_en', 'en', 'UTILITY'),
  ('00000000-0000-4000-8000-000000000001', 'lembrete_consulta_pt', 'Lembrete de consulta',
   'Olá {{1}}, lembramos a sua consulta na Clínica Dental Sonrisa em {{2}}. Se não puder vir, responda a esta mensagem.',
   2, 'lembrete_consulta_pt', 'pt_BR', 'UTILITY')
on conflict do nothing;
insert into public.template_choices (organization_id, purpose, language, template_id, template_params) values
  ('00000000-0000-4000-8000-000000000001', 'reminder', 'en', 'appointment_reminder_en', '{customer_name,when}'),
  ('00000000-0000-4000-8000-000000000001', 'reminder', 'pt_BR', 'lembrete_consulta_pt', '{customer_name,when}')
on conflict do nothing;
update public.message_templates set name = template_id, language = 'es', category = 'UTILITY'
  where organization_id in ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-9000-000000000001')
    and name is null;
