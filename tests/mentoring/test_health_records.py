"""The site feeds the session graph typed records: the same records and numbers as the SESSIONS.json path."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from matching.graph import metrics_from_json, parse_sessions, session_metrics
from mentoring.extensions import db
from mentoring.models import Cohort
from mentoring.services.demo.loader import seed_demo
from mentoring.services.translators import sessions_document
from mentoring.services.translators.sessions_document import HEALTH_COHORTS


def test_the_translators_records_give_the_json_paths_metrics_for_the_demo_cohort(app):
    # Given the demo organisation, with its finished cohort and months of sessions
    seed_demo(now=datetime(2026, 6, 1, 9, tzinfo=UTC))
    cohorts = list(db.session.execute(select(Cohort.id).where(Cohort.status.in_(HEALTH_COHORTS))).scalars())
    assert cohorts
    for cohort_ids in ([*cohorts[:1]], None):
        # When the translator builds the records straight from the database
        document = sessions_document.build_sessions(cohort_ids)
        records = document.records
        assert records.pairs and any(pair.sessions for pair in records.pairs)
        # Then they are exactly what the wire format's validation makes of the same data
        wire = document.wire()
        assert parse_sessions(wire) == records
        # And the record-based metrics equal those of the JSON path (the command line's)
        for as_of in (date(2026, 3, 1), date(2026, 6, 1)):
            assert session_metrics(records, as_of, 30, 3) == metrics_from_json(wire, as_of, 30, 3)
