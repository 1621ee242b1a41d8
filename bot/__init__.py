"""legday: a Discord bot for leg-day check-ins, streaks, leaderboards and reminders."""
