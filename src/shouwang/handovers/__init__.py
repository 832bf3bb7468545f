"""Transfers (R-CARE-3): a class's counsellor or class teacher changes; the new one acknowledges."""
