"""Demo payments: the paid course's bank transfer details and partner code, and its delegates' payments."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.mail.services import withheld
from eventmgr.registration import payments, services
from eventmgr.registration.models import OfferCode, Payment, PaymentSettings, Registration

#: The paid demo event; its delegates registered through eventmgr.demo.registrations's plan.
PAID_EVENT = "document-security-course-bishkek"
#: Half the fee for the partner agencies of the border management programme.
PARTNER_CODE = "PARTNER50"

#: How delegates pay for the course. The account is an IBAN whose check digits hold, at no real bank.
SETTINGS = {
    "beneficiary": "Border Management Programme in Central Asia",
    "bank_name": "Demo Bank of Central Asia, Almaty",
    "account": "KZ86125KZT5004100100",
    "swift_bic": "HSBKKZKX",
    "note": "Bank charges are borne by the payer. Quote your payment reference in the transfer.",
    "days_to_pay": 14,
    "reminder_days": 3,
    "legal_name": "Border Management Programme in Central Asia (BOMCA)",
    "legal_address": "Chui Avenue 32, Bishkek 720040, Kyrgyzstan",
    "tax_number": "02403200910102",
}


def _paid_event() -> Event | None:
    return db.session.execute(select(Event).where(Event.slug == PAID_EVENT)).scalar_one_or_none()


def prepare_payment_demo(organiser) -> str:
    """Before its delegates register: the course's payment settings and partner code, unless set already."""
    event = _paid_event()
    if (
        event is None
        or db.session.execute(select(PaymentSettings.id).where(PaymentSettings.event_id == event.id)).first()
    ):
        return ""
    payments.save_payment_settings(event, SETTINGS, organiser)
    if not db.session.execute(select(OfferCode.id).where(OfferCode.event_id == event.id)).first():
        services.create_offer_code(
            event, {"code": PARTNER_CODE, "discount_kind": "percent", "discount": Decimal(50)}, organiser
        )
    return f"Demo payments: bank transfer details and the code {PARTNER_CODE} for {PAID_EVENT}"


def load_payment_demo(organiser) -> str:
    """After they registered: one delegate paid in full, one in part, one asked for an invoice; nobody is mailed."""
    event = _paid_event()
    if event is None:
        return ""
    paid = db.session.execute(
        select(func.count()).select_from(Payment).join(Registration).where(Registration.event_id == event.id)
    ).scalar_one()
    if paid:
        return ""
    confirmed = (
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == "confirmed")
            .order_by(Registration.id)
        )
        .scalars()
        .all()
    )
    if len(confirmed) < 3:
        return ""
    with withheld():
        full, part, invoiced = confirmed[:3]
        reference = payments.payment_reference
        payments.receive(full, full.amount_due, "bank transfer", reference(full), organiser, send_receipt=False)
        payments.receive(part, part.amount_due / 2, "bank transfer", reference(part), organiser, send_receipt=False)
        payments.issue_invoice(invoiced, now=invoiced.created_at + timedelta(days=1))
    return f"Demo payments: {PAID_EVENT}: one delegate paid in full, one in part, one asked for an invoice"
