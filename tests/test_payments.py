"""Paying for a seat: the organiser's payment settings, what a confirmed delegate is told (page and mail), the
receipt mailed when the desk records a payment, invoices numbered per event (also under concurrent requests),
and the reminder to pay before the deadline, sent once.
"""

import re
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import csrf_token
from helpers import body, count, field_error, flashes, pdf_info, pdf_words, section, text_of
from sqlalchemy import select

from eventmgr.registration import payments, services
from eventmgr.registration.models import Invoice, OfferCode, PaymentSettings, Registration

IBAN = "KZ86 125K ZT50 0410 0100"
SETTINGS = {
    "beneficiary": "OSCE Academy in Bishkek",
    "bank_name": "Halyk Bank, Almaty",
    "account": IBAN,
    "swift_bic": "HSBKKZKX",
    "note": "Bank charges are paid by the sender.",
    "days_to_pay": "14",
    "reminder_days": "3",
    "legal_name": "OSCE Academy Public Foundation",
    "legal_address": "1A Botanichesky pereulok\nBishkek 720044, Kyrgyzstan",
    "tax_number": "INN 02707200910044",
}


@pytest.fixture
def organiser(make_user):
    return make_user(email="olga@example.org", name="Olga Organiser")


@pytest.fixture
def paid_event(make_event, organiser):
    """A webinar at 60 EUR whose organiser has not yet said how to pay."""
    return make_event(organiser=organiser, fee=Decimal("60"), title="Border Data Webinar")


def settings_url(event) -> str:
    return f"/manage/events/{event.id}/registration-settings"


def save_settings(client, event, **changes):
    """POST the desk's payment settings form."""
    data = {f"payment-{key}": value for key, value in (SETTINGS | changes).items()}
    data |= {"form": "payment", "payment-csrf_token": csrf_token(client, settings_url(event))}
    return client.post(settings_url(event), data=data)


def set_up_payments(db, event, **changes):
    """Payment settings straight into the database, for tests about what follows from them."""
    values = SETTINGS | {"account": IBAN.replace(" ", ""), "days_to_pay": 14, "reminder_days": 3} | changes
    db.session.add(PaymentSettings(event_id=event.id, **values))
    db.session.commit()


def register(client, event, email, **extra):
    """Register through the public form, as a delegate does."""
    data = {"given_name": "Aida", "family_name": "Nurlanova", "email": email, "country": "KZ", "consent": "y"}
    response = client.post(
        f"/events/{event.slug}/register", data=data | extra | {"csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 302, response.text
    return registration_of(email)


def registration_of(email) -> Registration:
    from eventmgr.extensions import db

    db.session.expire_all()
    return db.session.execute(select(Registration).where(Registration.email == email)).scalar_one()


def private_page(registration) -> str:
    return f"/events/{registration.event.slug}/registration/{registration.access_token}"


def mails_to(mailbox, address, subject=None):
    mailbox.deliver()
    return [m for m in mailbox.messages if m["To"] == address and (subject is None or subject in m["Subject"])]


# --- The organiser's settings ---------------------------------------------------------------------------------


def test_the_organiser_saves_payment_settings_on_the_desk(client, db, paid_event, organiser, login):
    login(organiser)
    response = save_settings(client, paid_event, deadline_at="2027-01-15T18:00")
    assert response.status_code == 302, response.text
    saved = db.session.execute(select(PaymentSettings)).scalar_one()
    assert saved.account == "KZ86125KZT5004100100"  # an IBAN is kept without spaces
    assert (saved.beneficiary, saved.swift_bic, saved.days_to_pay, saved.reminder_days) == (
        "OSCE Academy in Bishkek",
        "HSBKKZKX",
        14,
        3,
    )
    # Typed in the event's zone (Asia/Almaty, UTC+5), kept in UTC, shown back as typed.
    assert saved.deadline_at == datetime(2027, 1, 15, 13, 0, tzinfo=UTC)
    page = client.get(settings_url(paid_event)).text
    payments_section = section(page, "payments-heading")
    assert 'value="2027-01-15 18:00:00"' in payments_section
    assert "In the event&#39;s time zone (Asia/Almaty)." in payments_section
    assert "OSCE Academy Public Foundation" in payments_section and "INN 02707200910044" in payments_section


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account", "KZ87 125K ZT50 0410 0100", "check digits"),  # one digit mistyped
        ("swift_bic", "HSBK-KZ", "8 or 11"),
        ("beneficiary", "", "Name who the account belongs to"),
        ("reminder_days", "0", "Number must be between 1 and 60"),
        ("legal_name", "x" * 301, "longer than 300"),
    ],
)
def test_payment_settings_that_cannot_work_are_refused_at_their_field(
    client, db, paid_event, organiser, login, field, value, message
):
    login(organiser)
    response = save_settings(client, paid_event, **{field: value})
    assert response.status_code == 422
    assert message in field_error(response, f"payment-{field}")
    assert count(db, PaymentSettings) == 0


def test_a_reminder_needs_a_deadline(client, db, paid_event, organiser, login):
    login(organiser)
    response = save_settings(client, paid_event, days_to_pay="", deadline_at="")
    assert response.status_code == 422
    assert "set the deadline first" in field_error(response, "payment-reminder_days")


def test_only_the_organisers_set_payments(client, db, paid_event, make_user, login):
    login(make_user(email="someone@example.org"))
    assert save_settings(client, paid_event).status_code in (403, 404)
    assert count(db, PaymentSettings) == 0


# --- What the delegate is told ------------------------------------------------------------------------------


def test_a_confirmed_delegate_is_told_how_much_by_when_and_how_to_pay(client, db, paid_event, mailbox):
    set_up_payments(db, paid_event)
    aida = register(client, paid_event, "aida@example.kz")
    reference = payments.payment_reference(aida)
    assert re.fullmatch(rf"E{paid_event.id}-\d{{4}}-\d{{2}}", reference)
    assert aida.access_token not in reference
    deadline = "(Asia/Almaty)"

    (confirmation,) = mails_to(mailbox, "aida@example.kz", "Registration confirmed")
    text = body(confirmation)
    assert "Amount due: €60.00" in text
    assert f"Payment reference: {reference}" in text
    assert "Pay by: " in text and deadline in text
    assert "Beneficiary: OSCE Academy in Bishkek" in text
    assert "IBAN: KZ86125KZT5004100100" in text and "SWIFT/BIC: HSBKKZKX" in text
    assert "Bank charges are paid by the sender." in text

    page = client.get(private_page(aida))
    shown = text_of(page)
    assert "Amount due €60.00" in shown and "Left to pay €60.00" in shown
    assert f"Payment reference {reference}" in shown
    assert "How to pay: Bank transfer" in shown and "HSBKKZKX" in shown
    # Two weeks after the seat was confirmed, in the event's zone and named.
    due = (aida.created_at + timedelta(days=14)).astimezone(paid_event.tz)
    assert f"Pay by {due.day} {due:%b %Y}, 23:59 (Asia/Almaty)" in shown


def test_the_earlier_deadline_counts(db, paid_event, make_registration):
    fixed = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    set_up_payments(db, paid_event, deadline_at=fixed, days_to_pay=14)
    aida = make_registration(paid_event, "aida@example.kz")
    assert payments.payment_deadline(aida) == fixed
    db.session.execute(
        PaymentSettings.__table__.update().values(deadline_at=fixed + timedelta(days=30))
    )  # a later fixed date: the days to pay come first
    db.session.commit()
    db.session.expire_all()
    # Fourteen days after the seat was confirmed, to the end of that day in the event's zone.
    last_day = (aida.created_at + timedelta(days=14)).astimezone(paid_event.tz)
    assert payments.payment_deadline(aida) == last_day.replace(hour=23, minute=59, second=0, microsecond=0)


def test_an_offer_code_lowers_what_the_delegate_is_asked_to_pay(client, db, paid_event, mailbox):
    set_up_payments(db, paid_event)
    db.session.add(OfferCode(event_id=paid_event.id, code="NGO", discount_kind="percent", discount=Decimal("50")))
    db.session.commit()
    aida = register(client, paid_event, "aida@example.kz", offer_code="ngo")
    (confirmation,) = mails_to(mailbox, "aida@example.kz", "Registration confirmed")
    assert "Amount due: €30.00" in body(confirmation)
    assert "Amount due €30.00 (offer code NGO)" in text_of(client.get(private_page(aida)))


def test_without_bank_details_the_delegate_is_told_the_organisers_will_say(client, db, paid_event, mailbox):
    aida = register(client, paid_event, "aida@example.kz")
    (confirmation,) = mails_to(mailbox, "aida@example.kz", "Registration confirmed")
    assert "The organisers will tell you how to pay." in body(confirmation)
    shown = text_of(client.get(private_page(aida)))
    assert "Amount due €60.00" in shown and "How to pay" not in shown
    assert "Get an invoice" not in shown  # no legal details, no invoice


def test_no_amount_for_a_delegate_without_a_seat_until_promoted(client, db, make_event, organiser, mailbox):
    event = make_event(organiser=organiser, fee=Decimal("60"), online_capacity=1)
    set_up_payments(db, event)
    first = register(client, event, "first@example.kz")
    waiting = register(client, event, "waiting@example.kz")
    assert (first.status, waiting.status) == ("confirmed", "waitlisted")
    (waitlisted_mail,) = mails_to(mailbox, "waiting@example.kz")
    for shown in (body(waitlisted_mail), text_of(client.get(private_page(waiting)))):
        assert "€60.00" not in shown and "Payment reference" not in shown and "IBAN" not in shown
    services.cancel(registration_of("first@example.kz"))
    db.session.commit()
    (promoted,) = mails_to(mailbox, "waiting@example.kz", "A seat is free")
    text = body(promoted)
    assert "Amount due: €60.00" in text and f"Payment reference: {payments.payment_reference(waiting)}" in text
    assert "€60.00" in text_of(client.get(private_page(waiting)))


def test_no_amount_while_pending_approval(client, db, make_event, organiser, mailbox, login):
    event = make_event(organiser=organiser, fee=Decimal("60"), registration_policy="approval")
    set_up_payments(db, event)
    aida = register(client, event, "aida@example.kz")
    assert aida.status == "pending"
    (received,) = mails_to(mailbox, "aida@example.kz")
    shown = text_of(client.get(private_page(aida)))
    for text in (body(received), shown):
        assert "€60.00" not in text and "Payment reference" not in text
    # An invoice is refused to a delegate without a seat, even asked for directly.
    page = private_page(aida)
    response = client.post(f"{page}/invoice", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert "Invoices are issued to confirmed delegates" in " ".join(flashes(client.get(page)))
    assert count(db, Invoice) == 0
    assert client.get(f"{page}/invoice.pdf").status_code == 404
    # Approved: the approval mail says how to pay.
    login(organiser)
    desk_page = f"/manage/events/{event.id}/registrations/{aida.id}"
    client.post(f"{desk_page}/approve", data={"csrf_token": csrf_token(client, desk_page), "message": "Welcome."})
    (approved,) = mails_to(mailbox, "aida@example.kz", "approved")
    assert "Amount due: €60.00" in body(approved) and "Welcome." in body(approved)


# --- Receipts -------------------------------------------------------------------------------------------------


def test_the_desk_records_a_payment_and_mails_a_receipt(client, db, paid_event, organiser, login, mailbox, tmp_path):
    set_up_payments(db, paid_event)
    aida = register(client, paid_event, "aida@example.kz")
    reference = payments.payment_reference(aida)
    login(organiser)
    page = f"/manage/events/{paid_event.id}/registrations/{aida.id}"
    assert f"Payment reference: {reference}" in text_of(client.get(page))
    response = client.post(
        f"{page}/payment",
        data={
            "csrf_token": csrf_token(client, page),
            "amount": "40",
            "method": "Bank transfer",
            "reference": "Halyk 88120",
            "send_receipt": "y",
        },
    )
    assert response.status_code == 302
    (mail,) = mails_to(mailbox, "aida@example.kz", "Payment received")
    text = body(mail)
    assert "we have received your payment of €40.00" in text
    assert "Left to pay: €20.00" in text and f"Payment reference: {reference}" in text
    receipt = next(part for part in mail.iter_attachments() if part.get_filename().startswith("receipt-"))
    assert receipt.get_content_type() == "application/pdf"
    pdf = receipt.get_content()
    assert pdf.startswith(b"%PDF-")
    words = pdf_words(pdf, tmp_path)
    for expected in (
        "Receipt",
        "OSCE Academy Public Foundation",
        "INN 02707200910044",
        "Aida Nurlanova",
        "€40.00",
        reference,
        "Halyk 88120",
        "Left to pay €20.00",
        "(Asia/Almaty)",
    ):
        assert expected in words, expected
    assert pdf_info(pdf, tmp_path)["Tagged"] == "yes"

    # Without the box ticked, the payment is recorded and nothing is mailed.
    client.post(f"{page}/payment", data={"csrf_token": csrf_token(client, page), "amount": "20"})
    assert len(mails_to(mailbox, "aida@example.kz", "Payment received")) == 1
    assert registration_of("aida@example.kz").balance == Decimal("0.00")
    assert "Paid in full" in text_of(client.get(private_page(aida)))


# --- Invoices -------------------------------------------------------------------------------------------------


def ask_invoice(client, registration):
    page = private_page(registration)
    response = client.post(f"{page}/invoice", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 303, response.text
    pdf = client.get(response.headers["Location"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    return pdf


def test_invoices_are_numbered_per_event_and_issued_once(client, db, make_event, organiser, tmp_path, mailbox):
    event = make_event(organiser=organiser, fee=Decimal("60"))
    other = make_event(organiser=organiser, fee=Decimal("90"), title="Another Event")
    for each in (event, other):
        set_up_payments(db, each)
    aida = register(client, event, "aida@example.kz")
    assert "Get an invoice (PDF)" in text_of(client.get(private_page(aida)))
    bolat = register(client, event, "bolat@example.kz")
    chen = register(client, other, "chen@example.kz")

    first = ask_invoice(client, aida)
    words = pdf_words(first.data, tmp_path)
    for expected in (
        "Invoice",
        f"{event.id}-0001",
        "OSCE Academy Public Foundation",
        "1A Botanichesky pereulok",
        "INN 02707200910044",
        "Aida Nurlanova",
        "Registration fee: Central Asia Border Challenges",
        "€60.00",
        "Total (EUR)",
        payments.payment_reference(aida),
        "(Asia/Almaty)",
    ):
        assert expected in words, expected
    assert f'filename="invoice-{event.id}-0001.pdf"' in first.headers["Content-Disposition"]
    assert first.headers["Cache-Control"] == "private, no-store"
    assert f"{event.id}-0002" in pdf_words(ask_invoice(client, bolat).data, tmp_path)
    # Asking again gives the same invoice; the other event counts from 1.
    assert f"{event.id}-0001" in pdf_words(ask_invoice(client, aida).data, tmp_path)
    assert f"{other.id}-0001" in pdf_words(ask_invoice(client, chen).data, tmp_path)
    numbers = db.session.execute(select(Invoice.event_id, Invoice.number).order_by(Invoice.id)).all()
    assert numbers == [(event.id, 1), (event.id, 2), (other.id, 1)]
    # Once issued, the page offers the download.
    assert "Download the invoice (PDF)" in text_of(client.get(private_page(aida)))
    # A wrong token finds nothing.
    assert client.get(f"/events/{event.slug}/registration/{'x' * 43}/invoice.pdf").status_code == 404


def test_invoice_numbers_stay_unique_and_without_gaps_under_concurrent_requests(app, db, make_event, organiser):
    """Delegates of one event ask for their invoices at the same moment, some twice: each gets one number, and
    the numbers run 1..n. PostgreSQL is where this must hold (the event's row is locked); SQLite serialises."""
    delegates = 16
    event = make_event(organiser=organiser, fee=Decimal("60"))
    set_up_payments(db, event)
    tokens = []
    for n in range(delegates):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        tokens.append(register(client, event, f"d{n}@example.org").access_token)
    # Each delegate asks once, and the first four ask a second time at the same moment.
    askers = list(range(delegates)) + list(range(4))
    clients = []
    for n in askers:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{len(clients) + 1}"
        page = f"/events/{event.slug}/registration/{tokens[n]}"
        clients.append((client, page, csrf_token(client, page)))
    barrier = threading.Barrier(len(clients), timeout=30)
    outcomes = [None] * len(clients)

    def ask(i):
        client, page, token = clients[i]
        barrier.wait()
        outcomes[i] = client.post(f"{page}/invoice", data={"csrf_token": token}).status_code

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert outcomes == [303] * len(clients)
    db.session.expire_all()
    invoices = db.session.execute(select(Invoice).where(Invoice.event_id == event.id)).scalars().all()
    assert sorted(invoice.number for invoice in invoices) == list(range(1, delegates + 1))
    assert len({invoice.registration_id for invoice in invoices}) == delegates


# --- Reminders ------------------------------------------------------------------------------------------------


def test_unpaid_confirmed_delegates_are_reminded_once_before_the_deadline(
    db, runner, make_event, organiser, make_registration, mailbox
):
    event = make_event(organiser=organiser, fee=Decimal("60"), online_capacity=3)
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    set_up_payments(db, event, deadline_at=deadline, days_to_pay=None, reminder_days=3)
    make_registration(event, "unpaid@example.kz")
    partly = make_registration(event, "partly@example.kz")
    paid = make_registration(event, "paid@example.kz")
    waiting = make_registration(event, "waiting@example.kz")
    assert waiting.status == "waitlisted"
    services.record_payment(partly, Decimal("20"), "", "", None)
    services.record_payment(paid, Decimal("60"), "", "", None)
    db.session.commit()
    partly_reference = payments.payment_reference(partly)
    mailbox.deliver()

    for _round in range(2):
        result = runner.invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
    reminders = [m for m in mailbox.messages if "payment for" in m["Subject"]]
    assert sorted(m["To"] for m in reminders) == ["partly@example.kz", "unpaid@example.kz"]
    partly_text = body(next(m for m in reminders if m["To"] == "partly@example.kz"))
    assert "Amount due: €40.00" in partly_text
    assert f"Payment reference: {partly_reference}" in partly_text
    assert "(Asia/Almaty)" in partly_text


def test_no_reminder_while_the_deadline_is_far(db, make_event, organiser, make_registration):
    event = make_event(organiser=organiser, fee=Decimal("60"))
    set_up_payments(db, event, deadline_at=datetime.now(UTC) + timedelta(days=10), days_to_pay=None, reminder_days=3)
    make_registration(event, "unpaid@example.kz")
    assert payments.queue_payment_reminders() == 0
    # Three days before, it is due; then never again.
    later = datetime.now(UTC) + timedelta(days=7, minutes=1)
    assert payments.queue_payment_reminders(later) == 1
    db.session.commit()
    assert payments.queue_payment_reminders(later + timedelta(hours=1)) == 0


# --- The reference and the provider ---------------------------------------------------------------------------


def test_a_reference_as_typed_on_a_statement_finds_its_registration(db, paid_event, make_registration):
    aida = make_registration(paid_event, "aida@example.kz")
    reference = payments.payment_reference(aida)
    assert payments.payment_reference(aida) == reference  # stable
    for typed in (reference, reference.lower(), reference.replace("-", " "), f" {reference} "):
        assert payments.registration_by_reference(paid_event, typed) == aida
    event_part, number, check = reference.split("-")
    wrong_check = f"{event_part}-{number}-{(int(check) + 1) % 100:02d}"
    swapped = f"{event_part}-{number[:-2]}{number[-1]}{number[-2]}-{check}"
    for typo in (wrong_check, swapped, "", "nonsense"):
        if typo != reference:
            assert payments.registration_by_reference(paid_event, typo) is None, typo


def test_the_desk_finds_a_registration_by_the_reference_on_a_bank_statement(
    client, db, paid_event, organiser, login, make_event, make_registration
):
    aida = make_registration(paid_event, "aida@example.kz")
    elsewhere = make_registration(make_event(organiser=organiser, title="Elsewhere"), "bolat@example.kz")
    login(organiser)
    desk_list = f"/manage/events/{paid_event.id}/registrations"
    found = client.get(f"{desk_list}?q={payments.payment_reference(aida).lower()}")
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"{desk_list}/{aida.id}")
    # Another event's reference, or one with a typing error, is searched for as text: nothing found.
    reference = payments.payment_reference(aida)
    mistyped = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    for other in (payments.payment_reference(elsewhere), mistyped):
        response = client.get(f"{desk_list}?q={other}")
        assert response.status_code == 200 and "aida@example.kz" not in response.text


def test_an_unknown_payment_provider_is_refused_at_start(app):
    with pytest.raises(ValueError, match="PAYMENT_PROVIDER must be one of bank_transfer"):
        payments.check_provider_setting({"PAYMENT_PROVIDER": "paypal"})
    assert isinstance(payments.provider(), payments.BankTransfer)
