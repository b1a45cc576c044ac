"""Episodes: a run of bad events (drift verdicts, failures of one job) counted once.

The drift sensors (one retrain per drift episode, one alert per episode) and the run-failure alert
all use this one tracker: an episode opens at the first bad event of a key, stays open (silent)
while bad events continue, and closes at the first good one. It serialises into a sensor cursor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class EpisodeTracker:
    """Open/closed episodes by key (e.g. ``drift`` or a job name), serialisable into a sensor cursor."""

    open_episodes: dict[str, str] = field(default_factory=dict)

    def observe(self, key: str, bad: bool, episode_id: str) -> str | None:
        """Record one event; return the new episode id when this event OPENS an episode, else None."""
        if not bad:
            self.open_episodes.pop(key, None)
            return None
        if key in self.open_episodes:
            return None
        self.open_episodes[key] = episode_id
        return episode_id

    def to_json(self) -> str:
        return json.dumps(self.open_episodes, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> EpisodeTracker:
        return cls(dict(json.loads(text)) if text else {})
