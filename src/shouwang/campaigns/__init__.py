"""风险隐患大排查 (R-STU-3): checklists issued to units, answers, problems as corrective actions."""
