"""The educator studio: ``lessonreel serve`` (Starlette, plain HTML, a little JavaScript)."""
