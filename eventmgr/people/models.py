"""People who speak, chair or host at events, and their photos."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db
from eventmgr.languages import Translatable, original_language_column
from eventmgr.organisations.models import Organisation

#: The honorifics offered before a name, to presenters and delegates alike.
HONORIFICS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Ambassador", "H.E.", "Col.", "Gen.")
#: How each is offered in the reader's language; the English one is what is stored and printed.
HONORIFIC_LABELS = {
    "Mr.": _l("Mr."),
    "Ms.": _l("Ms."),
    "Mrs.": _l("Mrs."),
    "Dr.": _l("Dr."),
    "Prof.": _l("Prof."),
    "Ambassador": _l("Ambassador"),
    "H.E.": _l("H.E."),
    "Col.": _l("Col."),
    "Gen.": _l("Gen."),
}
#: Sizes a photo is kept in: name -> (width, height) it is fitted into; the small one is cropped square.
PHOTO_SIZES = {"large": (800, 800), "small": (200, 200)}


def name_key(full_name: str) -> str:
    """A key under which the same name matches however it is cased, accented, punctuated or ordered."""
    return " ".join(sorted(slugify(full_name or "").split("-")))[:200]


class Person(Translatable, db.Model):
    """A presenter, chair, moderator or host, shared by every event they take part in."""

    TRANSLATED = {"position": 300, "bio": 10_000}

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Mr., Ms., Dr., Ambassador, H.E. ...; shown before the name.
    honorific: Mapped[str | None] = mapped_column(String(40))
    full_name: Mapped[str] = mapped_column(String(200))
    #: full_name folded by name_key(), to find the same person again and suggest duplicates.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    #: Job title, e.g. "Programme Manager, Transnational Threats Department".
    position: Mapped[str | None] = mapped_column(String(300))
    #: The person's organisation from the directory ...
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    #: ... or its name as free text when it is not in the directory.
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str | None] = mapped_column(String(2))
    #: Lower-cased; private: used to find the person again, never shown on a public page.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: Markdown, sanitised when shown.
    bio: Mapped[str] = mapped_column(Text, default="", info={"max_length": 10_000})
    #: ISO 639-1 code of the language position and bio are written in; other languages in `translations`.
    original_language: Mapped[str] = original_language_column()
    #: Web pages about the person: [{"url": "https://...", "label": "..."}].
    links: Mapped[list] = mapped_column(JSON, default=list)
    #: Who added the person; while the person is in no event, only they (and admins) may change the profile.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: When an organiser last had the person mailed a link to update their own profile (at most one an hour).
    profile_link_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    photo: Mapped["PersonPhoto | None"] = relationship(
        back_populates="person", cascade="all, delete-orphan", uselist=False
    )

    @property
    def display_name(self) -> str:
        """The name with its honorific, as printed in a programme."""
        return f"{self.honorific} {self.full_name}" if self.honorific else self.full_name

    @property
    def slug(self) -> str:
        return slugify(self.full_name, max_length=80, word_boundary=True) or "person"

    @property
    def initials(self) -> str:
        """Up to two initials, shown where there is no photo."""
        words = [word for word in self.full_name.replace("-", " ").split() if word[:1].isalpha()]
        if not words:
            return "?"
        picked = words[:1] + words[-1:] if len(words) > 1 else words
        return "".join(word[0] for word in picked).upper()

    @property
    def organisation_display(self) -> str:
        if self.organisation is not None:
            return self.organisation.display_name
        return self.organisation_name or ""

    @property
    def affiliation(self) -> str:
        """Position (in the reader's language, where given) and organisation in one line."""
        return ", ".join(part for part in (self.translated.position, self.organisation_display) if part)

    def __repr__(self) -> str:
        return f"<Person {self.full_name}>"


class PersonPhoto(db.Model):
    """A person's photo, re-encoded as JPEG in two sizes; stored in the database so any worker can serve it."""

    __tablename__ = "person_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    #: SHA-256 (hex) of the large image: part of the photo's URL and its ETag, so the URL never goes stale.
    digest: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(40), default="image/jpeg")
    #: Size of the large image in pixels.
    width: Mapped[int]
    height: Mapped[int]
    #: The image bytes, loaded only when the image itself is served.
    large: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    small: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="photo")

    @property
    def url_digest(self) -> str:
        """The part of the digest put in URLs: 64 bits, enough to be unguessable and never to collide."""
        return self.digest[:16]
