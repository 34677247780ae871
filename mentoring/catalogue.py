"""The default skill catalogue: social-media platforms crossed with competencies.

Plain data, imported by the first migration (which seeds it) and by the catalogue service.
"""

from __future__ import annotations

import re

PLATFORMS: tuple[str, ...] = (
    "LinkedIn",
    "X",
    "Instagram",
    "TikTok",
    "YouTube",
    "Facebook",
    "Viva Engage",
    "Microsoft Teams",
    "Slack",
    "Blogs",
    "Podcasts",
)

COMPETENCIES: tuple[str, ...] = (
    "Personal branding",
    "Writing posts",
    "Short video",
    "Analytics",
    "Community and engagement",
    "Etiquette",
    "Privacy and safety",
    "AI tools",
)


def slug(text: str) -> str:
    """A lower-case, dash-separated key fragment: "Viva Engage" -> "viva-engage"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def skill_key(platform: str, competency: str) -> str:
    """The stable key of a platform × competency skill, e.g. "linkedin/personal-branding"."""
    return f"{slug(platform)}/{slug(competency)}"


def default_skills() -> list[dict[str, str]]:
    """Every platform × competency as rows: key, name, platform, competency."""
    return [
        {
            "key": skill_key(platform, competency),
            "name": f"{platform}: {competency}",
            "platform": platform,
            "competency": competency,
        }
        for platform in PLATFORMS
        for competency in COMPETENCIES
    ]
