"""Motivational leg-day quotes: built-ins plus per-guild custom ones."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Why legs matter; tags each built-in quote."""

    CALORIES = "calories"
    BALANCE = "balance"
    INJURY = "injury"
    HORMONES = "hormones"
    ATHLETICISM = "athleticism"
    LIFE = "life"
    GRIT = "grit"


@dataclass(frozen=True, slots=True)
class Quote:
    """A quote with a stable key: `builtin:<n>` or `guild:<id>`."""

    key: str
    text: str
    reason: Reason | None = None


_BUILTIN: tuple[tuple[Reason, str], ...] = (
    (Reason.CALORIES, "Quads, hamstrings, glutes: the biggest engines you own. Start them up."),
    (
        Reason.CALORIES,
        "Want to burn more? Train the muscles that do the burning. Hint: below the belt.",
    ),
    (Reason.CALORIES, "Biceps burn a snack. Legs burn the whole buffet."),
    (
        Reason.CALORIES,
        "Ten minutes of squats torches more fuel than an hour of wrist curls. Choose wisely.",
    ),
    (Reason.CALORIES, "Your legs are the furnace. Stop feeding the candle on your arms."),
    (Reason.BALANCE, "Nobody wants to be a lightbulb on two toothpicks. Train legs."),
    (Reason.BALANCE, "A big chest on chicken legs isn't a physique, it's a warning sign."),
    (Reason.BALANCE, "Proportion beats mass. Build the bottom half to match the top."),
    (Reason.BALANCE, "Skip leg day and your jeans will tell everyone."),
    (Reason.BALANCE, "The top half gets attention. The bottom half holds it up. Build both."),
    (Reason.INJURY, "Strong hamstrings are the seatbelt of a heavy deadlift. Buckle up."),
    (
        Reason.INJURY,
        "Imbalances don't stay quiet. Strong quads and weak hamstrings end in a physio bill.",
    ),
    (Reason.INJURY, "Your knees are only as safe as the muscles around them. Train them all."),
    (Reason.INJURY, "Weak glutes make your lower back do overtime. Give it a break: squat."),
    (Reason.HORMONES, "Squats, lunges, deadlifts: the big lifts tell your whole body to grow."),
    (Reason.HORMONES, "Want bigger arms? Heavy squats send the growth memo everywhere."),
    (Reason.HORMONES, "Compound leg lifts are the body's loudest anabolic alarm clock."),
    (Reason.HORMONES, "The hormones that build your chest get switched on under the squat bar."),
    (Reason.ATHLETICISM, "Every sprint, jump and kick starts in the legs. No legs, no game."),
    (Reason.ATHLETICISM, "Changing direction fast is a leg skill. Train it like one."),
    (Reason.ATHLETICISM, "Vertical jump is built in the squat rack, not on the bench."),
    (Reason.ATHLETICISM, "Fast is strong legs moving quickly. Get the strong part first."),
    (Reason.LIFE, "Stairs, groceries, kids, couches: life is one long loaded carry. Train hips."),
    (Reason.LIFE, "Strong glutes today, getting out of a low chair unaided at 80."),
    (Reason.LIFE, "Every time you stand up is a squat. Might as well be good at it."),
    (Reason.LIFE, "Hip strength is the difference between 'help me up' and 'I've got it'."),
    (Reason.GRIT, "The squat rack is waiting. It doesn't accept excuses."),
    (Reason.GRIT, "Nobody ever regretted leg day the day after. Well, the stairs maybe."),
    (Reason.GRIT, "Motivation gets you to the gym. Habit gets you under the bar every week."),
    (Reason.GRIT, "Show up. Squat. Check in. Repeat until it's just who you are."),
    (Reason.GRIT, "Sore legs fade. A streak of leg days doesn't."),
    (Reason.GRIT, "Skipping leg day is easy. That's exactly why it counts."),
    (Reason.GRIT, "One more week on the streak. Don't be the one who breaks it."),
    (Reason.GRIT, "The hardest rep is walking into the gym. The rest is just counting."),
    (Reason.GRIT, "Consistency beats intensity. Intensity on leg day beats both."),
    (Reason.GRIT, "Your future self is watching you pick the squat rack today."),
    (Reason.GRIT, "If it was easy, everyone would have legs. Go earn yours."),
    (Reason.GRIT, "Wobbly walk out of the gym? Badge of honour. Check in."),
    (Reason.GRIT, "Rain, tired, busy: the barbell weighs the same either way. Go lift it."),
    (Reason.GRIT, "Small plates, every week, forever. That's how big legs happen."),
)

BUILTIN_QUOTES: tuple[Quote, ...] = tuple(
    Quote(key=f"builtin:{n}", text=text, reason=reason) for n, (reason, text) in enumerate(_BUILTIN)
)


def guild_quote(quote_id: int, text: str) -> Quote:
    """Wrap a guild's custom quote row."""
    return Quote(key=f"guild:{quote_id}", text=text)


def pick_quote(pool: Sequence[Quote], avoid_key: str | None, rng: random.Random) -> Quote:
    """A random quote, never the one keyed `avoid_key` when there is a choice."""
    if not pool:
        raise ValueError("cannot pick from an empty quote pool")
    candidates = [q for q in pool if q.key != avoid_key] or list(pool)
    return rng.choice(candidates)
