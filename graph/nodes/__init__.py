"""Graph nodes, one module per concern."""
