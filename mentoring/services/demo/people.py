"""The demo organisation: realistic people, reporting lines, mentor skills and leader goals.

Plain, seeded data generation; `services.demo` stores it and runs the programme around it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEPARTMENTS = (
    "Finance",
    "Marketing",
    "Sales",
    "Engineering",
    "Operations",
    "People",
    "Legal",
    "Customer Service",
    "Product",
    "Communications",
)
SITES = (
    ("London", "Europe/London", ["en"]),
    ("Manchester", "Europe/London", ["en"]),
    ("Paris", "Europe/Paris", ["fr", "en"]),
    ("Berlin", "Europe/Berlin", ["de", "en"]),
    ("Warsaw", "Europe/Warsaw", ["pl", "en"]),
    ("Madrid", "Europe/Madrid", ["es", "en"]),
    ("New York", "America/New_York", ["en"]),
    ("Toronto", "America/Toronto", ["en", "fr"]),
    ("Singapore", "Asia/Singapore", ["en"]),
)
FIRST_NAMES = (
    "Aisha",
    "Ben",
    "Chloé",
    "Dmitri",
    "Elif",
    "Femi",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kavya",
    "Liam",
    "Maja",
    "Nikhil",
    "Olivia",
    "Pablo",
    "Qi",
    "Rosa",
    "Samir",
    "Tara",
    "Uche",
    "Valentina",
    "Wiktor",
    "Xin",
    "Yara",
    "Zoe",
    "Amelia",
    "Bruno",
    "Camille",
    "Deniz",
    "Emeka",
    "Farah",
    "Gabriel",
    "Hannah",
    "Ivan",
    "Julia",
    "Kenji",
    "Lucía",
    "Mateo",
    "Noor",
    "Oskar",
    "Priya",
    "Rafael",
    "Sofia",
    "Theo",
    "Ana",
    "Marcus",
    "Leila",
    "Tom",
    "Mei",
    "Karim",
    "Nadia",
    "Erik",
    "Fatima",
    "Lars",
    "Ama",
)
LAST_NAMES = (
    "Adeyemi",
    "Bauer",
    "Chen",
    "Dubois",
    "Evans",
    "Fernández",
    "García",
    "Hansen",
    "Ibrahim",
    "Jansen",
    "Kowalski",
    "Lefèvre",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tan",
    "Ueda",
    "Varga",
    "Wójcik",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Andersen",
    "Brown",
    "Costa",
    "Dimitrov",
    "Eriksson",
    "Fischer",
    "Gupta",
    "Hughes",
    "Ivanova",
    "Jones",
    "Kaur",
    "Lopez",
    "Martin",
    "Novak",
    "Okafor",
    "Petrova",
    "Romero",
    "Singh",
    "Taylor",
    "Wilson",
    "Khan",
    "Moreau",
    "Nowak",
    "Silva",
)
# How popular each platform is among young mentors (skills skew toward these).
MENTOR_PLATFORM_WEIGHTS = {
    "Instagram": 6,
    "TikTok": 6,
    "LinkedIn": 5,
    "YouTube": 4,
    "X": 2,
    "Facebook": 1,
    "Viva Engage": 2,
    "Microsoft Teams": 2,
    "Slack": 2,
    "Blogs": 1,
    "Podcasts": 1,
}
# What leaders most want to learn.
LEADER_PLATFORM_WEIGHTS = {
    "LinkedIn": 8,
    "Viva Engage": 4,
    "X": 2,
    "Instagram": 2,
    "TikTok": 2,
    "YouTube": 2,
    "Microsoft Teams": 2,
    "Slack": 1,
    "Facebook": 1,
    "Blogs": 1,
    "Podcasts": 1,
}
LEADER_COMPETENCY_WEIGHTS = {
    "Personal branding": 6,
    "Writing posts": 5,
    "Short video": 3,
    "Analytics": 2,
    "Community and engagement": 4,
    "Etiquette": 3,
    "Privacy and safety": 3,
    "AI tools": 3,
}
BIO_OPENERS = (
    "I run a {n}k-follower {platform} account about {hobby}.",
    "I edit short videos for our team's {platform} channel and for my own {hobby} page.",
    "Graduate scheme, second rotation; I grew our intranet community on {platform} from scratch.",
    "I write a weekly {platform} post about {hobby} and answer every comment.",
    "I help my department plan content and read the analytics on {platform}.",
)
BIO_CLOSERS = (
    "Happy to show you how it works behind the scenes.",
    "I like explaining things with real examples from your own feed.",
    "Patient with beginners; no question is too basic.",
    "I can also help with privacy settings and staying safe online.",
    "We can start small: one good post a week.",
)
HOBBIES = (
    "street food",
    "running",
    "houseplants",
    "indie games",
    "vintage cameras",
    "climbing",
    "baking",
    "football",
    "language learning",
    "thrifted fashion",
    "cycling",
    "jazz",
)
ACHIEVE = (
    "Post on LinkedIn every week without a comms team writing it for me, and answer comments myself.",
    "Understand what my teams see on Viva Engage and join the conversation instead of broadcasting.",
    "Record a two-minute video update for the whole division that people actually watch.",
    "Learn what our younger customers see on TikTok and Instagram so I stop guessing.",
    "Take feedback in public gracefully, positive or negative, and block time every week to respond.",
    "Build a personal brand that shows who I am, not only my job title.",
    "Use AI tools to draft posts without sounding like a robot.",
    "Stay safe online: privacy settings, what not to share, how to handle trolls.",
)
ABOUT_ME = (
    "Marathon runner, slowly. I have two teenagers who think I am hopeless online.",
    "I grow tomatoes on my balcony and I am very proud of them.",
    "I played bass in a band at university and still have the guitar.",
    "I cook a different country's dish every Sunday.",
    "I volunteer at a food bank on Saturdays.",
    "I am learning Italian and I am terrible at it.",
    "Proud grandparent; I take far too many photos.",
    "I sail when the weather lets me, which in this country is rarely.",
)


@dataclass
class DemoPerson:
    """One demo person before storage; `manager` indexes another DemoPerson or names an external id."""

    key: str
    name: str
    email: str
    department: str
    grade: int
    location: str
    timezone: str
    languages: list[str]
    formats: list[str]
    external_id: str
    manager: str | None = None
    roles: set[str] = field(default_factory=set)
    skills: dict[tuple[str, str], int] = field(default_factory=dict)
    capacity: int = 1
    hours_per_month: int = 2
    bio: str = ""
    goals: list[tuple[tuple[str, str], int, int]] = field(default_factory=list)
    achieve: str = ""
    about_me: str = ""


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[name] for name in names], k=1)[0]


class DemoOrganisation:
    """Seeded generator of the demo organisation's people."""

    def __init__(self, competencies: tuple[str, ...], seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.competencies = competencies
        self.people: list[DemoPerson] = []
        self._names: set[str] = set()

    def _name(self) -> str:
        while True:
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            if name not in self._names:
                self._names.add(name)
                return name

    def person(
        self, key: str, department: str, grade: int, name: str | None = None, email: str | None = None
    ) -> DemoPerson:
        """Add a person with a plausible site, languages and formats."""
        name = name or self._name()
        location, timezone, languages = self.rng.choice(SITES)
        if self.rng.random() < 0.2:
            languages = [*languages, self.rng.choice(["es", "pt", "it", "nl", "hi", "ar"])]
        formats = self.rng.choice([["remote"], ["remote", "in-person"], ["remote", "in-person"], ["in-person"]])
        local = (
            name.lower().replace(" ", ".").replace("'", "").translate(str.maketrans("éèáíóúñçöüłńś", "eeaiouncoulns"))
        )
        person = DemoPerson(
            key=key,
            name=name,
            email=email or f"{local}@demo.example",
            department=department,
            grade=grade,
            location=location,
            timezone=timezone,
            languages=list(dict.fromkeys(languages)),
            formats=formats,
            external_id=f"E{1000 + len(self.people)}",
        )
        self.people.append(person)
        return person

    def mentor_skills(self, person: DemoPerson) -> None:
        """Give a mentor 3-8 skills skewed toward popular platforms, a capacity and a bio."""
        person.roles.add("mentor")
        platforms = {_weighted(self.rng, MENTOR_PLATFORM_WEIGHTS) for _ in range(self.rng.randint(2, 4))}
        for platform in sorted(platforms):
            for competency in self.rng.sample(self.competencies, self.rng.randint(1, 3)):
                person.skills[(platform, competency)] = self.rng.choice([3, 4, 4, 5, 5])
        person.capacity = self.rng.choice([1, 1, 2, 2, 3])
        person.hours_per_month = self.rng.choice([2, 3, 4, 4, 6])
        top = max(person.skills, key=lambda item: (MENTOR_PLATFORM_WEIGHTS[item[0]], person.skills[item], item))[0]
        opener = self.rng.choice(BIO_OPENERS).format(
            n=self.rng.randint(2, 60), platform=top, hobby=self.rng.choice(HOBBIES)
        )
        person.bio = f"{opener} {self.rng.choice(BIO_CLOSERS)}"

    def leader_goals(self, person: DemoPerson) -> None:
        """Give a leader 2-4 goals, what they want to achieve and something personal."""
        person.roles.add("leader")
        chosen: dict[tuple[str, str], tuple[int, int]] = {}
        priorities = [3] + [self.rng.choice([1, 2, 2, 3]) for _ in range(self.rng.randint(1, 3))]
        for priority in priorities:
            skill = (_weighted(self.rng, LEADER_PLATFORM_WEIGHTS), _weighted(self.rng, LEADER_COMPETENCY_WEIGHTS))
            chosen.setdefault(skill, (priority, self.rng.choice([2, 3, 3, 4])))
        person.goals = [(skill, priority, level) for skill, (priority, level) in chosen.items()]
        person.achieve = self.rng.choice(ACHIEVE)
        person.about_me = self.rng.choice(ABOUT_ME)
