"""The teaching layer: text, equations, diagrams and icons composited over every shot."""
