"""The delegate's invoice, through their private link: issued on request, then downloaded as often as needed."""

from flask import Blueprint, abort, current_app, flash, redirect, url_for

from eventmgr.extensions import db
from eventmgr.forms import ConfirmForm
from eventmgr.registration import payments, services
from eventmgr.registration.models import Registration

bp = Blueprint("registration_payments", __name__, url_prefix="/events/<slug>/registration/<token>")


def _registration_or_404(slug: str, token: str) -> Registration:
    registration = services.registration_for_link(slug, token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/invoice", methods=["POST"])
def issue_invoice(slug: str, token: str):
    """Issue the delegate's invoice (once; asking again gives the same one) and send them to its PDF."""
    registration = _registration_or_404(slug, token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        payments.issue_invoice(registration)
    except payments.PaymentError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("registration.manage", slug=slug, token=token))
    db.session.commit()
    return redirect(url_for("registration_payments.invoice", slug=slug, token=token), 303)


@bp.route("/invoice.pdf")
def invoice(slug: str, token: str):
    """The delegate's invoice as a PDF, once issued."""
    registration = _registration_or_404(slug, token)
    issued = payments.invoice_for(registration)
    if issued is None:
        abort(404)
    try:
        body = payments.invoice_pdf(issued)
    except payments.PaymentError as error:
        abort(503, error.message)
    response = current_app.response_class(body, mimetype="application/pdf")
    filename = f"invoice-{payments.invoice_label(issued)}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
