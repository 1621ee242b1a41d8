"""Pure, Discord-free domain logic: days, streaks, ranking, parsing, quotes and schedules."""
