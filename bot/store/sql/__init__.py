"""The bot's SQL, one module per table group: plain functions `(tx, ...) -> value`.

Each function is one or a few statements of portable SQL text; none holds a domain rule.
A use case composes them into one unit of work that runs in a single transaction.
"""
