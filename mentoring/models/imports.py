"""An HR file uploaded for import, kept between its preview and its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db

IMPORT_ID_MAX = 32
FILENAME_MAX = 255


class PeopleUpload(db.Model):
    """The exact bytes a manager previewed, keyed by a random id, with their checksum; deleted once committed."""

    __tablename__ = "people_upload"

    id: Mapped[str] = mapped_column(String(IMPORT_ID_MAX), primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    leavers_absent: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)
