"""The check-in desk on a phone (390 x 844) in Debian's Chromium: a typed code checks the delegate in and the scan
field is ready for the next, Undo works, the camera reads the QR code (a fake camera playing a video of the badge's
code), and the QR codes of the printed badge, the mail and the private page all hold the code the desk reads."""

import base64
import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import segno
from conftest import CHROMIUM, CHROMIUM_ARGS
from helpers import IN_PERSON, log_in_browser
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import update
from test_registration_browser import wait_for_mail

from eventmgr.events.models import Event
from eventmgr.registration import checkin
from eventmgr.registration.models import Registration

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: Where the screenshots looked at go (the repository's test-artifacts/, as failing browser tests' do).
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"

#: Decode a picture (a data: URL) with the page's own QR reader (static/checkin-scanner.js over vendor/jsQR).
DECODE_PICTURE = """async (url) => {
  const image = new Image();
  image.src = url;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0);
  return window.eventmgrCheckIn.decode(context.getImageData(0, 0, canvas.width, canvas.height));
}"""


def qr_video(text: str, path: Path, frames: int = 20) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of the QR code of `text`, printed on a grey card."""
    width, height = 640, 480
    code = Image.open(io.BytesIO(_png(segno.make(text, error="m", micro=False, mask=2), scale=8))).convert("L")
    side = 360
    frame = Image.new("L", (width, height), 180)
    frame.paste(code.resize((side, side), Image.NEAREST), ((width - side) // 2, (height - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _n in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def _png(qr, scale: int) -> bytes:
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def data_url(content: bytes, mimetype: str) -> str:
    return f"data:{mimetype};base64,{base64.b64encode(content).decode()}"


@pytest.fixture
def conference(db, make_event, make_registration, make_organisation, make_user):
    """An in-person conference that started half an hour ago, with one confirmed delegate; (organiser, event,
    delegate)."""
    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    now = datetime.now(UTC).replace(microsecond=0)
    event = make_event(
        organiser=organiser,
        title="Border Security Conference",
        start_at=now + timedelta(days=2),
        **IN_PERSON,
    )
    agency = make_organisation("Border Guard Service of Tajikistan", kind="border_agency", country_code="TJ")
    delegate = make_registration(
        event, "farrukh@example.tj", given_name="Farrukh", family_name="Rahimov", organisation_id=agency.id
    )
    db.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(start_at=now - timedelta(minutes=30), end_at=now + timedelta(hours=6))
    )
    db.session.commit()
    db.session.expire_all()
    return organiser, db.session.get(Event, event.id), db.session.get(Registration, delegate.id)


def test_a_typed_code_checks_in_on_a_phone_and_the_field_is_ready_for_the_next(page, conference, db):
    organiser, event, delegate = conference
    page.set_viewport_size(PHONE)
    log_in_browser(page, organiser)
    page.goto(f"/manage/events/{event.id}/check-in")
    field = page.get_by_label("Scan or type the delegate's check-in code, or a name")
    expect(field).to_be_focused()
    field.fill(checkin.check_in_code(delegate))
    field.press("Enter")

    expect(page.get_by_role("heading", name="Just checked in")).to_be_visible()
    panel = page.locator(".checkin-last")
    expect(panel).to_contain_text("Farrukh Rahimov")
    expect(panel).to_contain_text("Border Guard Service of Tajikistan")
    expect(panel).to_contain_text("In person")
    expect(page.locator(".flash-success")).to_contain_text("Farrukh Rahimov checked in.")
    assert "/check-in" in page.url and "/registrations/" not in page.url
    field = page.get_by_label("Scan or type the delegate's check-in code, or a name")
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the check-in page is {width}px wide on a 390px phone"
    page.screenshot(path=SCREENSHOTS / "checkin-phone-done.png", full_page=True)
    db.session.expire_all()
    assert db.session.get(Registration, delegate.id).checked_in_at is not None

    page.get_by_role("button", name="Undo this check-in").click()
    expect(page.locator(".flash-success")).to_contain_text("Check-in of Farrukh Rahimov undone.")
    expect(page.locator(".checkin-last")).to_have_count(0)
    expect(page.get_by_label("Scan or type the delegate's check-in code, or a name")).to_be_focused()
    db.session.expire_all()
    assert db.session.get(Registration, delegate.id).checked_in_at is None

    # A name finds the delegate; the button checks in and comes back here, not to the registration's page.
    field = page.get_by_label("Scan or type the delegate's check-in code, or a name")
    field.fill("Rahimov")
    field.press("Enter")
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.get_by_role("heading", name="Just checked in")).to_be_visible()
    assert "/registrations/" not in page.url
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=SCREENSHOTS / "checkin-desktop-done.png", full_page=True)

    # The organisers open check-in earlier from the registration settings, on a phone too.
    page.set_viewport_size(PHONE)
    page.goto(f"/manage/events/{event.id}/registration-settings")
    page.get_by_label("Check-in opens this many hours before the start").fill("6")
    page.get_by_role("button", name="Save check-in hours").click()
    expect(page.locator(".flash-success")).to_contain_text("Check-in hours saved.")
    opens = (event.start_at - timedelta(hours=6)).astimezone(event.tz).strftime("%H:%M")
    expect(page.locator("#checkin-heading + p")).to_contain_text(opens)
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.locator("#checkin-heading").locator("..").screenshot(path=SCREENSHOTS / "checkin-settings-phone.png")


@pytest.fixture
def camera_browser(browser, tmp_path, conference):
    """Chromium whose camera plays a video of the conference's delegate's check-in code (another launch of the same
    Chromium as the other browser tests, by the same Playwright)."""
    organiser, event, delegate = conference
    video = qr_video(checkin.check_in_code(delegate), tmp_path / "badge.y4m")
    args = CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    camera = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    yield camera
    camera.close()


def test_the_phone_camera_reads_the_badge_and_checks_the_delegate_in(camera_browser, live_server, conference, db):
    organiser, event, delegate = conference
    context = camera_browser.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE)
    context.grant_permissions(["camera"], origin=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in_browser(page, organiser)
        page.goto(f"/manage/events/{event.id}/check-in")
        page.get_by_role("button", name="Scan with the camera").click()
        expect(page.get_by_role("heading", name="Just checked in")).to_be_visible()
        expect(page.locator(".checkin-last")).to_contain_text("Farrukh Rahimov")
        expect(page.locator(".flash-success")).to_contain_text("Farrukh Rahimov checked in.")
        db.session.expire_all()
        assert db.session.get(Registration, delegate.id).checked_in_at is not None
        # The camera starts again for the next delegate, and the badge still in front of it is not sent again.
        expect(page.get_by_role("button", name="Stop the camera")).to_be_visible()
        page.wait_for_timeout(1500)
        expect(page.locator(".flash-info")).to_have_count(0)  # no "already checked in"
        page.screenshot(path=SCREENSHOTS / "checkin-phone-camera.png", full_page=True)
        page.get_by_role("button", name="Stop the camera").click()
        expect(page.get_by_role("button", name="Scan with the camera")).to_be_visible()
    finally:
        context.close()


def test_the_badge_the_mail_and_the_private_page_hold_the_code_the_desk_reads(
    page, conference, db, mailbox, tmp_path, live_server
):
    """Decode the real images: the badge PDF rendered by pdftoppm, the mailed PNG and the page's SVG."""
    from eventmgr.documents import letters

    organiser, event, delegate = conference
    code = checkin.check_in_code(delegate)
    log_in_browser(page, organiser)
    page.goto(f"/manage/events/{event.id}/check-in")

    pdf = tmp_path / "badges.pdf"
    pdf.write_bytes(letters.badges_pdf(event))
    subprocess.run(  # noqa: S603 - a fixed command on a file the test wrote
        ["/usr/bin/pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "badge")], check=True
    )
    rendered = next(tmp_path.glob("badge*.png")).read_bytes()
    assert page.evaluate(DECODE_PICTURE, data_url(rendered, "image/png")) == code

    mail = wait_for_mail(mailbox, "farrukh@example.tj", "Registration confirmed")
    png = next(part for part in mail.walk() if part.get_filename() == "check-in-code.png").get_payload(decode=True)
    assert page.evaluate(DECODE_PICTURE, data_url(png, "image/png")) == code

    own = f"/events/{event.slug}/registration/{delegate.access_token}"
    svg = page.request.get(f"{own}/qr.svg").body()
    assert page.evaluate(DECODE_PICTURE, data_url(svg, "image/svg+xml")) == code
    page.goto(own)
    expect(page.locator(".checkin-code")).to_have_text(code)
