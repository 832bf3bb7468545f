"""谈心谈话, parent contacts, home visits: obligations for every student (R-CARE-2)."""
