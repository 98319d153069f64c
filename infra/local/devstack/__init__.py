"""Docker-free local stack: embedded PostgreSQL, moto with the real template, a Lambda runner."""
