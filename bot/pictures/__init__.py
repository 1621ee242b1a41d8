"""Pictures: the leaderboard card, the 52-week heatmap and the weekly recap card.

Pure: plain dataclasses in, PNG bytes out; no discord, no database, no event loop.
`bot.pictures.service.PictureService` runs them off the loop with a cache.
"""

from bot.pictures.board import BoardCard, BoardCardRow, render_board_card
from bot.pictures.heatmap import Heatmap, render_heatmap
from bot.pictures.recap import RecapCard, render_recap_card

__all__ = [
    "BoardCard",
    "BoardCardRow",
    "Heatmap",
    "RecapCard",
    "render_board_card",
    "render_heatmap",
    "render_recap_card",
]
