"""The console's routes, one APIRouter per section under BASE (app.create_app includes them). A
route takes its account, role check, CSRF check and database session from dependencies.py, its
form as a pydantic model (forms/), and calls its section's service (services/): it parses and
maps, never opens a transaction nor writes an audit line. Every route is a plain `def`: FastAPI
runs it in its thread pool, since the database and AWS calls behind it block."""
