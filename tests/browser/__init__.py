"""Real-browser tests (marker ``browser``)."""
