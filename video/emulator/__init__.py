"""A local emulator of the text-to-video provider APIs, rendering animatic clips."""
