"""Paying for a seat: how to pay (a provider's instructions), the payment reference, the deadline and its
reminder, receipts for payments recorded at the desk, and invoices numbered per event.

Money is not taken online: a delegate pays by bank transfer, with the reference that ties the transfer to their
registration, and an organiser records the payment when it arrives. How delegates are told to pay is a
provider's business (PaymentProvider); the only one is BankTransfer, and PAYMENT_PROVIDER names the one in use,
so that an online provider (a payment page, a webhook that records the payment) can be added beside it without
changing the pages and mails that show its instructions.

Only a delegate who holds a seat owes anything: a pending or waitlisted delegate is shown no amount, no
reference and no instructions until they are confirmed (the mail that confirms them says how to pay).
"""

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.languages import in_language
from eventmgr.locales import country_name
from eventmgr.mail.services import attachment_maker, is_withheld, made_when_sent, queue_mail
from eventmgr.pdf import RenderError, html_to_pdf, render_html
from eventmgr.registration import notifications
from eventmgr.registration.models import Invoice, Payment, PaymentSettings, Registration
from eventmgr.registration.services import lock_event, record_payment

#: Tagged PDFs, as the app's other documents (eventmgr.documents.publishing.PDF_VARIANT).
PDF_VARIANT = "pdf/ua-1"
#: The fields of the desk's payment settings, as PaymentSettings names them.
SETTINGS_FIELDS = (
    "beneficiary",
    "bank_name",
    "account",
    "swift_bic",
    "note",
    "deadline_at",
    "days_to_pay",
    "reminder_days",
    "legal_name",
    "legal_address",
    "tax_number",
)


class PaymentError(EventMgrError):
    """A payment, an invoice or the payment settings cannot be as asked."""


# --- Settings ------------------------------------------------------------------------------------------------


def payment_settings(event) -> PaymentSettings:
    """The event's payment settings (empty ones, not added to the session, if never set)."""
    found = db.session.execute(select(PaymentSettings).where(PaymentSettings.event_id == event.id)).scalar_one_or_none()
    return found or PaymentSettings(event_id=event.id)


def save_payment_settings(event, data: dict, by) -> PaymentSettings:
    """Set how the event's delegates pay, their deadline and reminder, and the legal details of invoices."""
    clean = {key: data.get(key) for key in SETTINGS_FIELDS}
    for key, value in clean.items():
        if isinstance(value, str):
            clean[key] = value.strip() or None
    if clean["account"]:
        clean["account"] = _checked_account(clean["account"])
    if clean["swift_bic"]:
        clean["swift_bic"] = clean["swift_bic"].replace(" ", "").upper()
        if not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", clean["swift_bic"]):
            raise PaymentError(
                _("A SWIFT/BIC code has 8 or 11 letters and digits, such as KCJBKZKX."), field="swift_bic"
            )
    if clean["account"] and not clean["beneficiary"]:
        raise PaymentError(_("Name who the account belongs to: banks check it."), field="beneficiary")
    if clean["reminder_days"] and not (clean["deadline_at"] or clean["days_to_pay"]):
        raise PaymentError(_("A reminder comes before a deadline: set the deadline first."), field="reminder_days")
    settings = payment_settings(event)
    for key, value in clean.items():
        setattr(settings, key, value)
    db.session.add(settings)
    record("payments.settings", by, event, summary=settings.beneficiary or "")
    db.session.flush()
    return settings


def _checked_account(text: str) -> str:
    """An IBAN without spaces, upper-cased, its check digits verified; any other account number as typed."""
    compact = text.replace(" ", "").upper()
    if not is_iban_like(compact):
        return text
    if not iban_is_valid(compact):
        raise PaymentError(
            _("The IBAN's check digits do not match: please check it for a typing error."), field="account"
        )
    return compact


def is_iban_like(text: str) -> bool:
    """Whether the account looks like an IBAN (country code, two check digits, up to 30 letters and digits)."""
    return bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", text))


def iban_is_valid(iban: str) -> bool:
    """The ISO 13616 check: the IBAN, its first four characters moved to the end, read as a number, mod 97 is 1."""
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


# --- The reference and the deadline ----------------------------------------------------------------------------

_REFERENCE = re.compile(r"E?\s*(\d{1,9})\s*-?\s*(\d{4,9})\s*-?\s*(\d{2})", re.IGNORECASE)


def _check_digits(event_id: int, registration_id: int) -> int:
    """Two check digits (ISO 7064 MOD 97-10, as IBANs): a mistyped digit or two swapped ones are caught."""
    return 98 - int(f"{event_id}{registration_id:04d}00") % 97


def payment_reference(registration) -> str:
    """What the delegate writes on their transfer: "E12-0345-67", the event, the registration and two check
    digits. Made from the two numbers alone, it never changes and tells nothing of the private link."""
    event_id, registration_id = registration.event_id, registration.id
    return f"E{event_id}-{registration_id:04d}-{_check_digits(event_id, registration_id):02d}"


def registration_by_reference(event, text: str) -> Registration | None:
    """The event's registration a payment reference names (as typed on a bank statement), or None."""
    match = _REFERENCE.fullmatch((text or "").strip()[:40])
    if match is None:
        return None
    event_id, registration_id, check = (int(part) for part in match.groups())
    if event_id != event.id or check != _check_digits(event_id, registration_id):
        return None
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.event_id == event.id else None


def seat_confirmed_at(registration) -> datetime:
    """When the delegate got their seat: the organisers' decision or the promotion, else registering."""
    return registration.decided_at or registration.created_at


def payment_deadline(registration, settings: PaymentSettings | None = None) -> datetime | None:
    """The delegate's last moment to pay: the event's deadline, or the days to pay counted from when their seat
    was confirmed (to the end of that day, 23:59 in the event's zone), whichever comes first; None when the
    organisers set neither."""
    settings = settings or payment_settings(registration.event)
    candidates = [settings.deadline_at] if settings.deadline_at else []
    if settings.days_to_pay:
        zone = registration.event.tz
        last_day = (seat_confirmed_at(registration) + timedelta(days=settings.days_to_pay)).astimezone(zone)
        candidates.append(last_day.replace(hour=23, minute=59, second=0, microsecond=0).astimezone(UTC))
    return min(candidates) if candidates else None


def owes(registration) -> bool:
    """Whether the delegate holds a seat they have to pay for (a pending or waitlisted one owes nothing yet)."""
    return registration.status == "confirmed" and bool(registration.amount_due) and registration.amount_due > 0


# --- Providers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentInstructions:
    """How to pay, as a provider tells it: facts to copy (label, value), a note, and where to pay online. The
    amount and the payment reference are shown beside them, whatever the provider."""

    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None
    #: A provider's payment page, when it has one (bank transfers have none).
    url: str | None = None


class PaymentProvider(Protocol):
    """A way of paying. `instructions` tells a delegate who owes money how to pay, or returns None when the
    organisers have not set it up; an online provider would also record the payments it takes."""

    key: str

    def instructions(self, registration) -> PaymentInstructions | None: ...


class BankTransfer:
    """Pay by bank transfer to the organisers' account, with the registration's payment reference."""

    key = "bank_transfer"

    def instructions(self, registration) -> PaymentInstructions | None:
        settings = payment_settings(registration.event)
        if not settings.account:
            return None
        account_label = _l("IBAN") if is_iban_like(settings.account) else _l("Account number")
        facts = [
            (_l("Beneficiary"), settings.beneficiary),
            (_l("Bank"), settings.bank_name),
            (account_label, settings.account),
            (_l("SWIFT/BIC"), settings.swift_bic),
        ]
        return PaymentInstructions(
            method=str(_l("Bank transfer")),
            fields=[(str(label), value) for label, value in facts if value],
            note=settings.note,
        )


#: The providers PAYMENT_PROVIDER may name.
PROVIDERS: dict[str, type] = {BankTransfer.key: BankTransfer}


def provider() -> PaymentProvider:
    """The provider the site is configured to use (PAYMENT_PROVIDER)."""
    return PROVIDERS[current_app.config["PAYMENT_PROVIDER"]]()


def check_provider_setting(config) -> None:
    """Refuse to start with a PAYMENT_PROVIDER that is not one of PROVIDERS."""
    if config.get("PAYMENT_PROVIDER") not in PROVIDERS:
        raise ValueError(
            f"PAYMENT_PROVIDER must be one of {', '.join(sorted(PROVIDERS))}, not {config.get('PAYMENT_PROVIDER')!r}"
        )


# --- What the delegate sees ------------------------------------------------------------------------------------


@dataclass
class PaymentDue:
    """What a confirmed delegate who owes money is shown: on their page, in their mails."""

    amount_due: Decimal
    paid: Decimal
    balance: Decimal
    currency: str
    reference: str
    deadline: datetime | None
    instructions: PaymentInstructions | None
    invoice: Invoice | None
    #: Whether the delegate may have an invoice issued now (the organisers gave their legal details).
    can_invoice: bool

    @property
    def settled(self) -> bool:
        return self.balance <= 0


def payment_due(registration, now: datetime | None = None) -> PaymentDue | None:
    """What the delegate owes and how to pay it; None unless they hold a seat with an amount due."""
    if not owes(registration):
        return None
    settings = payment_settings(registration.event)
    return PaymentDue(
        amount_due=registration.amount_due,
        paid=registration.amount_paid,
        balance=registration.balance,
        currency=registration.event.currency,
        reference=payment_reference(registration),
        deadline=payment_deadline(registration, settings),
        instructions=provider().instructions(registration),
        invoice=invoice_for(registration),
        can_invoice=bool(settings.legal_name),
    )


# --- Receipts --------------------------------------------------------------------------------------------------


def receive(registration, amount: Decimal, method: str, reference: str, by, send_receipt: bool = True) -> Payment:
    """Record money received from a delegate and, unless told not to, mail them its receipt (a PDF)."""
    payment = record_payment(registration, amount, method, reference, by)
    if send_receipt:
        queue_receipt(payment)
    return payment


def queue_receipt(payment: Payment) -> None:
    """Mail the delegate the receipt of one payment; the PDF is made when the message is sent."""
    if is_withheld():
        return
    registration = payment.registration
    message = notifications.compose(
        registration, "payment_received", payment=payment, reference=payment_reference(registration)
    )
    queue_mail(
        **message,
        attachments=[made_when_sent("registration.receipt", payment_id=payment.id)],
        event_id=registration.event_id,
    )


def receipt_number(payment: Payment) -> str:
    return f"E{payment.registration.event_id}-R{payment.id:04d}"


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt of one payment: who paid how much, for what, when, and what remains to pay."""
    registration = payment.registration
    event = registration.event
    return _render(
        "receipt.html",
        payment=payment,
        registration=registration,
        event=event,
        settings=payment_settings(event),
        number=receipt_number(payment),
        reference=payment_reference(registration),
        issued_at=utcnow(),
    )


def _receipt_attachment(payment_id: int) -> dict | None:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        return None
    with in_language(payment.registration.language):  # the delegate's, as the message it is attached to
        pdf = receipt_pdf(payment)
    return {
        "filename": f"receipt-{receipt_number(payment)}.pdf",
        "content_type": "application/pdf",
        "content_base64": _base64(pdf),
    }


def _base64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def register_makers() -> None:
    """Let the outbox make a receipt's PDF when it sends the message."""
    attachment_maker("registration.receipt")(_receipt_attachment)


# --- Invoices --------------------------------------------------------------------------------------------------


def invoice_for(registration) -> Invoice | None:
    return db.session.execute(select(Invoice).where(Invoice.registration_id == registration.id)).scalar_one_or_none()


def invoice_label(invoice: Invoice) -> str:
    """The invoice's number as printed: the event's, then the invoice's within it ("12-0007")."""
    return f"{invoice.event_id}-{invoice.number:04d}"


def issue_invoice(registration, now: datetime | None = None) -> Invoice:
    """The delegate's invoice: issued once, with the event's next number, then the same on every download.

    Numbers run 1, 2, 3 ... per event without gaps: the next is taken under the event's row lock, in the
    transaction that stores the invoice, so that two delegates asking at once get two numbers, one after the
    other, and a transaction that fails takes its number with it.
    """
    existing = invoice_for(registration)
    if existing is not None:
        return existing
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    existing = invoice_for(registration)
    if existing is not None:
        return existing
    if not owes(registration):
        raise PaymentError(_("Invoices are issued to confirmed delegates who have an amount to pay."))
    settings = payment_settings(event)
    if not settings.legal_name:
        raise PaymentError(_("The organisers have not yet given the details invoices need."))
    last = db.session.execute(select(func.max(Invoice.number)).where(Invoice.event_id == event.id)).scalar() or 0
    fee = Decimal(event.fee or 0)
    items = [{"kind": "fee", "title": event.title, "amount": str(fee)}]
    if registration.amount_due != fee:
        items.append(
            {
                "kind": "discount",
                "code": registration.offer_code.code if registration.offer_code else "",
                "amount": str(registration.amount_due - fee),
            }
        )
    invoice = Invoice(
        event_id=event.id,
        registration_id=registration.id,
        number=last + 1,
        issued_at=now or utcnow(),
        amount=registration.amount_due,
        currency=event.currency,
        reference=payment_reference(registration),
        details={
            "seller": {
                "name": settings.legal_name,
                "address": settings.legal_address or "",
                "tax_number": settings.tax_number or "",
            },
            "buyer": {
                "name": registration.full_name,
                "organisation": registration.organisation_display,
                "country": country_name(registration.country) if registration.country else "",
                "email": registration.email,
            },
            "items": items,
            "timezone": event.timezone,
        },
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as issued (its details were kept then), with what has been paid since."""
    registration = invoice.registration
    return _render(
        "invoice.html",
        invoice=invoice,
        number=invoice_label(invoice),
        registration=registration,
        event=registration.event,
        settings=payment_settings(registration.event),
        items=[item | {"amount": Decimal(item["amount"])} for item in invoice.details.get("items", [])],
    )


def _render(template: str, **context) -> bytes:
    timeout = current_app.config["DOCUMENT_RENDER_TIMEOUT"]
    try:
        return html_to_pdf(render_html(template, **context), variant=PDF_VARIANT, timeout=timeout)
    except RenderError as error:
        raise PaymentError(_("The PDF could not be rendered in time; try again in a moment.")) from error


# --- Reminders -------------------------------------------------------------------------------------------------


def queue_payment_reminders(now: datetime | None = None) -> int:
    """Remind each confirmed delegate who has not paid in full, once, when their deadline is the event's
    reminder_days away; return how many were queued."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Event, PaymentSettings)
        .join(PaymentSettings, PaymentSettings.event_id == Event.id)
        .where(Event.status == "published", Event.end_at > now, PaymentSettings.reminder_days.is_not(None))
    ).all()
    queued = 0
    for event, settings in rows:
        candidates = (
            db.session.execute(
                select(Registration)
                .where(
                    Registration.event_id == event.id,
                    Registration.status == "confirmed",
                    Registration.amount_due > 0,
                    Registration.payment_reminder_sent_at.is_(None),
                )
                .options(selectinload(Registration.payments))
            )
            .scalars()
            .all()
        )
        for registration in candidates:
            deadline = payment_deadline(registration, settings)
            if registration.balance <= 0 or deadline is None:
                continue
            if not deadline - timedelta(days=settings.reminder_days) <= now < deadline:
                continue
            # Claimed row by row: a second worker running at once finds it taken.
            claimed = db.session.execute(
                update(Registration)
                .where(Registration.id == registration.id, Registration.payment_reminder_sent_at.is_(None))
                .values(payment_reminder_sent_at=now)
            ).rowcount
            if claimed:
                notifications.queue(registration, "payment_reminder")
                queued += 1
    return queued
