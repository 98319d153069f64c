"""The LangGraph receptionist: state, prompts, tools, graph, memory (react-agent template layout)."""
