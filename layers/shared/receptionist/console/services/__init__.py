"""What staff, owners and operators can do in the console, whatever the HTTP around it: one
service per section (conversations.py, appointments.py, consent.py, privacy.py, exports.py,
operator.py, sign_in.py; settings/ by area), each built per request by its router's dependency
with the database already acting for the account's organization (dependencies.py). A service
makes a change and writes its audit line together, in one transaction where the change is the
database's alone; no route does either."""
