"""心理健康普测: a semester's screening results imported; flagged students get a care file."""
