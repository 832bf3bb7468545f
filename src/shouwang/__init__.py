"""守望 Shouwang — campus early-warning and emergency-response platform."""

__version__ = "0.1.0"
