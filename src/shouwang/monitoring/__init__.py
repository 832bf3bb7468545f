"""Daily monitoring (R-STU-1/2): check-ins, traces, rules that file reports, the tonight page."""
