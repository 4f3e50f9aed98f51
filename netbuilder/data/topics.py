"""Generated sentences about a few topics, as word ids: a text classification task that needs no download.

A sentence mixes everyday filler words with words of its own topic and, most of the time, fewer words of
another topic, in a random order: a classifier must weigh the words against each other rather than spot a
single one. A few labels are wrong on purpose, so no network reaches 100% and overfitting shows.
"""

from __future__ import annotations

import numpy as np

from netbuilder.data.sources import TOPIC_NAMES

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "sport": ("goal", "match", "team", "coach", "score", "league", "referee", "stadium", "player", "ball",
              "race", "win"),
    "weather": ("rain", "storm", "sunny", "cloud", "wind", "snow", "forecast", "cold", "warm", "fog", "thunder",
                "frost"),
    "food": ("bread", "soup", "recipe", "bake", "cheese", "kitchen", "salad", "spice", "dinner", "taste", "oven",
             "sugar"),
    "music": ("guitar", "song", "band", "concert", "piano", "melody", "drum", "singer", "album", "chord", "rhythm",
              "choir"),
    "space": ("planet", "rocket", "orbit", "star", "moon", "galaxy", "comet", "launch", "astronaut", "telescope",
              "mars", "gravity"),
}
FILLER = ("the", "a", "we", "they", "saw", "had", "was", "very", "and", "then", "today", "last", "night", "our",
          "new", "old", "big", "small", "after", "before", "with", "really", "some", "about", "friends", "town",
          "morning", "week", "great", "long")
PAD = "<pad>"
VOCABULARY: tuple[str, ...] = (PAD, *FILLER, *(w for words in TOPIC_WORDS.values() for w in words))
TOPICS = TOPIC_NAMES
assert tuple(TOPIC_WORDS) == TOPICS
MIN_LENGTH = 6  # the shortest window a sentence fits in (2-3 topic words and a few fillers)


def make_topics(n: int, length: int, seed: int, *, label_noise: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sentences of at most ``length`` word ids (padded with 0 at the end) and their topic ids."""
    rng = np.random.default_rng(seed)
    ids = {w: i for i, w in enumerate(VOCABULARY)}
    topic_ids = [np.array([ids[w] for w in TOPIC_WORDS[t]]) for t in TOPICS]
    filler_ids = np.array([ids[w] for w in FILLER])
    x = np.zeros((n, length), dtype=np.int64)
    y = rng.integers(0, len(TOPICS), n)
    for i in range(n):
        own = int(rng.integers(2, 4))  # 2 or 3 words of the topic ...
        other = int(rng.integers(0, len(TOPICS) - 1))
        other += other >= y[i]
        # ... and one fewer of another topic, most of the time: the majority decides, not any one word.
        distract = own - 1 if rng.random() < 0.7 else 0
        words = [*rng.choice(topic_ids[y[i]], own), *rng.choice(topic_ids[other], distract)]
        fillers = int(rng.integers(max(0, length // 2 - len(words)), max(1, length - len(words)) + 1))
        fillers = min(fillers, length - len(words))
        words += list(rng.choice(filler_ids, fillers))
        rng.shuffle(words)
        x[i, :len(words)] = words
    flip = rng.random(n) < label_noise
    y = np.where(flip, rng.integers(0, len(TOPICS), n), y)
    return x, y.astype(np.int64)
