"""Every prompt and prompt template lessonreel sends to a model, and the style presets."""
