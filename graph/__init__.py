"""The LangGraph workflow, its run context, and the CLI and notebook front ends."""
