"""Text-to-video providers behind one protocol (see :mod:`lessonreel.video.providers.base`)."""
