"""Speaker photos as the site keeps them: upright, at most PHOTO_SIZE pixels a side, JPEG, and
without the metadata a camera writes (place, time, device), under a name made of their content."""

import hashlib
import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

PHOTO_SIZE = 480


def normalised_photo(uploaded):
    """Return the photo in `uploaded` as a ContentFile named by its content's hash.

    Re-encoding keeps the pixels only, so no EXIF (GPS position, camera serial) survives.
    """
    with Image.open(uploaded) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
        output = io.BytesIO()
        image.convert("RGB").save(output, "JPEG", quality=85, optimize=True, progressive=True)
    data = output.getvalue()
    return ContentFile(data, name=f"{hashlib.sha256(data).hexdigest()[:20]}.jpg")
