"""Check an uploaded photo by its content and re-encode it, so nothing but pixels is ever stored or served."""

import hashlib
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from eventmgr.errors import EventMgrError
from eventmgr.people.models import PHOTO_SIZES

#: Largest upload accepted, in bytes.
MAX_BYTES = 5 * 1024 * 1024
#: Largest request a form with a photo may send: the photo's limit and room for the other fields. Anything
#: between the two reaches the form, which says at the field that the photo is too big.
UPLOAD_REQUEST_LIMIT = MAX_BYTES + 3 * 1024 * 1024
#: Largest image accepted, in pixels: a 24-megapixel camera's photo passes; a decompression bomb does not.
MAX_PIXELS = 40_000_000
#: What Pillow detects from the file's content; the file's name and declared type are not trusted.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 85


class PhotoError(EventMgrError):
    """The upload is not a photo we accept; the message says why."""

    status_code = 422

    def __init__(self, message: str):
        super().__init__(message, field="photo")


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo re-encoded as JPEG in both sizes, with the SHA-256 of the large one."""

    large: bytes
    small: bytes
    width: int
    height: int
    digest: str
    media_type: str = "image/jpeg"


def read_upload(stream: BinaryIO) -> bytes:
    """Read an upload, refusing it as soon as it passes MAX_BYTES."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError(_("The photo is larger than %(mb)d MB; choose a smaller file.", mb=MAX_BYTES // (1024 * 1024)))
    if not data:
        raise PhotoError(_("The file is empty."))
    return data


def process_photo(data: bytes) -> ProcessedPhoto:
    """Check that `data` is a JPEG, PNG or WebP image of sane size and return it re-encoded in both sizes.

    Re-encoding drops EXIF (location, camera serial numbers) and anything hidden after the image data.
    """
    if len(data) > MAX_BYTES:
        raise PhotoError(_("The photo is larger than %(mb)d MB; choose a smaller file.", mb=MAX_BYTES // (1024 * 1024)))
    image = _open_checked(data)
    try:
        with warnings.catch_warnings(), _refusing_truncated_images():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.seek(0)  # the first frame of an animated PNG or WebP
            image.load()
            image = ImageOps.exif_transpose(image)  # turn it upright before EXIF is dropped
            image = _to_rgb(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise PhotoError(_("The image could not be read; it may be damaged. Try another file.")) from error

    large = image.copy()
    large.thumbnail(PHOTO_SIZES["large"], Image.Resampling.LANCZOS)
    # The small one is a square crop centred a little above the middle, where faces usually are.
    small = ImageOps.fit(image, PHOTO_SIZES["small"], Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    large_bytes = _jpeg(large)
    return ProcessedPhoto(
        large=large_bytes,
        small=_jpeg(small),
        width=large.width,
        height=large.height,
        digest=hashlib.sha256(large_bytes).hexdigest(),
    )


@contextmanager
def _refusing_truncated_images():
    """Make Pillow fail on a cut-off image, whatever the process set before.

    Importing WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES for good, so in a worker that once printed a PDF a
    damaged upload would otherwise be accepted with its missing part filled grey. Only our own complete files
    are ever typeset, so a PDF rendered meanwhile in another thread loses nothing.
    """
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def _open_checked(data: bytes) -> Image.Image:
    """Open the image lazily (headers only) and refuse the wrong format or too many pixels before decoding."""
    not_an_image = _("This file is not a photo: upload a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            # Pillow's own guard warns (or raises) on huge images; both mean a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise PhotoError(_too_many_pixels_message()) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise PhotoError(not_an_image) from error
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoError(not_an_image)
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise PhotoError(_too_many_pixels_message(width, height))
    return image


def _too_many_pixels_message(width: int | None = None, height: int | None = None) -> str:
    megapixels = MAX_PIXELS // 1_000_000
    if width and height:
        return ngettext(
            "The image is too large (%(width)d × %(height)d pixels): at most %(num)d megapixel is accepted. "
            "Resize it and upload it again.",
            "The image is too large (%(width)d × %(height)d pixels): at most %(num)d megapixels are accepted. "
            "Resize it and upload it again.",
            megapixels,
            width=width,
            height=height,
        )
    return ngettext(
        "The image is too large: at most %(num)d megapixel is accepted. Resize it and upload it again.",
        "The image is too large: at most %(num)d megapixels are accepted. Resize it and upload it again.",
        megapixels,
    )


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white and convert to RGB, as JPEG needs."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    buffer = BytesIO()
    # No exif= or icc_profile= argument: the output carries pixels only.
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()
