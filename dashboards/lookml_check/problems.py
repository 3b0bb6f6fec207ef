"""What the checker reports: one problem per broken rule, naming the file and the LookML element."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # relative to the project directory
    element: str  # e.g. "view rpt_engagement_daily, dimension dau" or "dashboard x, tile y"
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.element}: {self.message}"
