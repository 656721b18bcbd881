"""Video layer: provider-neutral job types, providers, emulator, animatic renderer, stitching."""
