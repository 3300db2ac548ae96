"""escalation-risk: warning signs of escalation in call transcripts, scored and explained.

>>> from escalation_risk import read_transcripts, find_signals, train, load_model, score, coach
>>> from escalation_risk import brief
"""

from __future__ import annotations

__version__ = "0.1.0"

from .brief import Brief, brief  # noqa: E402
from .coaching import CoachingReport, coach  # noqa: E402
from .persistence import load_model, save_model  # noqa: E402
from .readers import read_transcripts  # noqa: E402
from .scoring import score  # noqa: E402
from .signals import find_signals  # noqa: E402
from .training import train  # noqa: E402

__all__ = [
    "Brief",
    "CoachingReport",
    "__version__",
    "brief",
    "coach",
    "find_signals",
    "load_model",
    "read_transcripts",
    "save_model",
    "score",
    "train",
]
