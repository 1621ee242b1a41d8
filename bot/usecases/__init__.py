"""The use cases: what the bot does, as functions of plain values.

Cogs, buttons and the reminder engine call these; these apply the domain rules of
`bot.core` and run one unit of work on the store. They are the only code that keeps
derived data consistent: summary rows, the settings and quote caches, armed reminders.
"""
