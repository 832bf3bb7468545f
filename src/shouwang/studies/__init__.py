"""学业: imported class attendance (truancy streaks) and grades (学业预警 yellow/orange/red)."""
