"""Registrations, the event's own questions, invitations, offer codes and payments."""

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db
from eventmgr.languages import Translatable, original_language_column
from eventmgr.organisations.models import Organisation

REGISTRATION_STATUSES = {
    "pending": _l("Pending approval"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waiting list"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
}
#: Statuses that hold or wait for a seat; a second registration with the same address is refused.
ACTIVE_STATUSES = ("pending", "confirmed", "waitlisted")
QUESTION_KINDS = {
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "yes_no": _l("Yes or no"),
}


class Registration(db.Model):
    """One delegate's registration for one event; no account needed."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        Index("ix_registrations_event_id_status_created_at", "event_id", "status", "created_at"),
        # The desk's list, newest first, walks this index instead of sorting every registration of the event.
        Index("ix_registrations_event_id_created_at_id", "event_id", "created_at", "id"),
        Index("ix_registrations_event_id_checked_in_at", "event_id", "checked_in_at"),
        # The desk's filter of organisations reads the ones an event's delegates chose from here.
        Index("ix_registrations_event_id_organisation_id", "event_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: The secret in the delegate's private link (256 bits, URL-safe); compared in constant time.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: One of REGISTRATION_STATUSES. The old value is loaded before it is replaced, so that the event's count
    #: of seats taken (eventmgr.registration.seats) always knows what a change leaves behind.
    status: Mapped[str] = mapped_column(String(16), active_history=True)
    honorific: Mapped[str | None] = mapped_column(String(40))
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    #: Lower-cased; one registration per address and event.
    email: Mapped[str] = mapped_column(String(254), index=True)
    position: Mapped[str | None] = mapped_column(String(300))
    #: The delegate's organisation from the directory, or None when they named a new one.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    #: The organisation's name as the delegate gave it when it is not in the directory.
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    #: ISO 3166-1 alpha-2 code of the delegate's country.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    #: The country or organisation the delegate represents (for a member of a registered delegation, its name).
    delegation: Mapped[str | None] = mapped_column(String(300))
    #: The registered delegation the delegate belongs to, if any (eventmgr.registration.delegations).
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id", ondelete="SET NULL"), index=True)
    #: Whether the delegate heads their delegation (one head per delegation).
    is_head: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: One of eventmgr.events.models.ATTENDANCE_MODES, among the event's modes: each has its own seats and
    #: waiting list. Loaded before it is replaced, like status, for the count of online seats.
    attendance_mode: Mapped[str] = mapped_column(
        String(16), default="in_person", server_default="in_person", active_history=True
    )
    #: Answers to the event's own questions: {question id (str): text, or list of choices, or bool}.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    needs_visa_letter: Mapped[bool] = mapped_column(default=False)
    accessibility_needs: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})
    dietary_needs: Mapped[str | None] = mapped_column(String(300))
    #: The interface language the delegate registered in (ISO 639-1): their mail is written in it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: ISO 639-1 code of the interpretation language wanted, if any.
    interpretation_language: Mapped[str | None] = mapped_column(String(8))
    #: When the delegate consented to the processing of their data.
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Whether the delegate may appear in the published participant list.
    list_publicly: Mapped[bool] = mapped_column(default=False)
    offer_code_id: Mapped[int | None] = mapped_column(ForeignKey("offer_codes.id", ondelete="SET NULL"))
    #: What the delegate owes after any offer code, in the event's currency.
    amount_due: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    decision_message: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminder_day_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_hour_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the reminder to pay before the deadline was queued (eventmgr.registration.payments); sent once.
    payment_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the delegate stopped the event's announcements and reminders (the mailed one-click link, or their
    #: page); None: they get them. Mail about their seat and the event's changes goes to them regardless.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Order on the waiting list: when the registration last joined it.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped["Event"] = relationship()  # noqa: F821
    organisation: Mapped[Organisation | None] = relationship()
    delegation_group: Mapped["Delegation | None"] = relationship(back_populates="members")
    offer_code: Mapped["OfferCode | None"] = relationship()
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Payment.received_at"
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.honorific, self.given_name, self.family_name) if part)

    @property
    def organisation_display(self) -> str:
        if self.organisation is not None:
            return self.organisation.name
        return self.organisation_name or ""

    @property
    def amount_paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0"))

    @property
    def balance(self) -> Decimal:
        return self.amount_due - self.amount_paid

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def in_person(self) -> bool:
        """Attends in the room: asked for visa and dietary needs, given a badge and a check-in code."""
        return self.attendance_mode == "in_person"


class Delegation(db.Model):
    """A country's or an organisation's delegation to an event, registered and managed by its head or a focal
    point through a private link; its members are registrations, each with their own link."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("event_id", "country"), UniqueConstraint("event_id", "organisation_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: The secret in the manager's private link (256 bits, URL-safe); compared in constant time.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: What the delegation represents: a country (ISO 3166-1 alpha-2) or an organisation, one of the two.
    country: Mapped[str | None] = mapped_column(String(2))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    #: How it is named: "Kazakhstan", or the border agency's name; shown on badges and lists.
    name: Mapped[str] = mapped_column(String(300))
    #: Who registered it and manages it (the head, or a focal point at a ministry who may not attend).
    contact_name: Mapped[str] = mapped_column(String(240))
    #: Lower-cased.
    contact_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Set when its manager withdraws it; its members are cancelled with it.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped["Event"] = relationship()  # noqa: F821
    organisation: Mapped[Organisation | None] = relationship()
    members: Mapped[list[Registration]] = relationship(
        back_populates="delegation_group", order_by=(Registration.is_head.desc(), Registration.id)
    )

    @property
    def active_members(self) -> list[Registration]:
        return [member for member in self.members if member.is_active]

    @property
    def head(self) -> Registration | None:
        return next((member for member in self.active_members if member.is_head), None)


class DelegationInvitation(db.Model):
    """A focal point invited by e-mail to register a delegation, whatever the event's list of countries and
    organisations allows."""

    __tablename__ = "delegation_invitations"
    __table_args__ = (UniqueConstraint("event_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Lower-cased.
    email: Mapped[str] = mapped_column(String(254))
    #: The secret in the invitation's link; compared in constant time.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(240))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegistrationQuestion(db.Model):
    """A question of the event's own on its registration form."""

    __tablename__ = "registration_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(500))
    help_text: Mapped[str | None] = mapped_column(String(500))
    #: One of QUESTION_KINDS.
    kind: Mapped[str] = mapped_column(String(20))
    #: The choices of a single or multiple choice question.
    options: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class Invitation(db.Model):
    """An address invited to an invitation-only event; it registers through the link mailed to it."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("event_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Lower-cased.
    email: Mapped[str] = mapped_column(String(254))
    #: The secret in the invitation's link (256 bits, URL-safe): whoever holds it may register this address,
    #: and only this one. Compared in constant time.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(240))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfferCode(db.Model):
    """A discount code: percent or fixed, limited in uses and time, optionally personal to one address."""

    __tablename__ = "offer_codes"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Upper-cased; what delegates type.
    code: Mapped[str] = mapped_column(String(40))
    #: "percent" or "fixed".
    discount_kind: Mapped[str] = mapped_column(String(10))
    #: Percent (0-100) or an amount in the event's currency.
    discount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    #: None means no limit.
    max_uses: Mapped[int | None]
    #: Registrations holding the code now; raised and checked under a row lock.
    uses: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Lower-cased address the code is personal to, if any.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def price_for(self, fee: Decimal) -> Decimal:
        """The fee after this code's discount, never below zero."""
        if self.discount_kind == "percent":
            reduced = fee * (Decimal(100) - self.discount) / Decimal(100)
        else:
            reduced = fee - self.discount
        return max(reduced, Decimal("0")).quantize(Decimal("0.01"))


class Payment(db.Model):
    """A payment an organiser recorded as received; there is no payment gateway."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    #: Bank transfer, cash, card at the desk ...
    method: Mapped[str | None] = mapped_column(String(60))
    reference: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship(back_populates="payments")


class PaymentSettings(db.Model):
    """How the delegates of one event pay: the bank transfer's details, the deadline, and the organiser's legal
    details for invoices and receipts (eventmgr.registration.payments)."""

    __tablename__ = "payment_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    #: Who the money goes to: the account holder's name, as the bank knows it.
    beneficiary: Mapped[str | None] = mapped_column(String(200))
    #: The beneficiary's bank: its name and, where payers need it, its address.
    bank_name: Mapped[str | None] = mapped_column(String(300))
    #: An IBAN (spaces removed, upper-cased) or a national account number.
    account: Mapped[str | None] = mapped_column(String(64))
    #: The bank's SWIFT/BIC code (8 or 11 characters).
    swift_bic: Mapped[str | None] = mapped_column(String(11))
    #: Anything else payers must know ("bank charges are borne by the payer").
    note: Mapped[str | None] = mapped_column(Text, info={"max_length": 1000})
    #: The last moment to pay, for everyone (shown in the event's zone).
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Days a delegate has to pay once their seat is confirmed; with deadline_at, the earlier of the two counts.
    days_to_pay: Mapped[int | None]
    #: Days before a delegate's deadline that an unpaid confirmed delegate is reminded, once; None: no reminder.
    reminder_days: Mapped[int | None]
    #: The organiser's legal details, printed on invoices and receipts.
    legal_name: Mapped[str | None] = mapped_column(String(300))
    legal_address: Mapped[str | None] = mapped_column(Text, info={"max_length": 1000})
    tax_number: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Invoice(db.Model):
    """An invoice issued to a delegate, numbered per event without gaps; what it says is kept as issued."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: One invoice per registration.
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    #: 1, 2, 3 ... within the event, allocated under the event's row lock.
    number: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    #: The registration's payment reference when it was issued.
    reference: Mapped[str] = mapped_column(String(32))
    #: What was printed, kept so that every download shows the same invoice: {seller, buyer, items}.
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    registration: Mapped[Registration] = relationship()


class Announcement(Translatable, db.Model):
    """A message an organiser sent to all or some registrants, through the outbox: each in the language they
    registered in when the organiser wrote it in that language too."""

    TRANSLATED = {"subject": 300, "body": 20_000}

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, info={"max_length": 20_000})
    original_language: Mapped[str] = original_language_column()
    #: The filters that chose the recipients, for the record.
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    recipients: Mapped[int] = mapped_column(default=0)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
