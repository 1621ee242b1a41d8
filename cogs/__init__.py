"""discord.py extensions: parse the command, call one use case, format the answer."""
