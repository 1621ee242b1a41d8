"""discord.py extensions: thin command layers over the core and the store."""
