"""The LangGraph workflow: state, run context, nodes, routers, builder, services, run driver.

Front ends (CLI, notebook API, web studio) live in ``lessonreel.app`` and import from here;
nothing here imports a terminal, web or notebook library.
"""
