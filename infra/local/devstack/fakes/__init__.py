"""Local HTTP servers that speak the third-party protocols (Gupshup, OpenAI, Gemini).

They are the only fakes in the project: tests and the demo point the configurable base URLs
at them. Each records every request it receives so tests can assert on what went out.
"""
