"""一生一档 (R-CARE): encrypted, need-to-know, read-logged care files; screening; tiers."""
