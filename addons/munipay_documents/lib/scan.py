"""Reading QR codes back from images and PDFs (pyzbar; pdftoppm for PDFs).

No ORM: used by the verification wizard and by the tests that check printed documents.
"""
import io
import os
import shutil
import subprocess
import tempfile

from PIL import Image
from pyzbar import pyzbar


class ScanError(ValueError):
    pass


def _decode_image(image):
    symbols = pyzbar.decode(image.convert('L'))
    return [symbol.data for symbol in symbols if symbol.type == 'QRCODE']


def pdf_to_images(pdf_bytes, dpi=200, first_page=None, last_page=None):
    """Rasterise a PDF into PIL images (needs poppler's pdftoppm)."""
    if not shutil.which('pdftoppm'):
        raise ScanError("pdftoppm (poppler-utils) is needed to read PDF files")
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, 'in.pdf')
        with open(source, 'wb') as handle:
            handle.write(pdf_bytes)
        command = ['pdftoppm', '-r', str(dpi), '-png']
        if first_page:
            command += ['-f', str(first_page)]
        if last_page:
            command += ['-l', str(last_page)]
        try:
            subprocess.run(command + [source, os.path.join(tmp, 'page')], check=True, timeout=120,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise ScanError("the PDF cannot be read") from error
        pages = sorted(name for name in os.listdir(tmp) if name.startswith('page'))
        images = []
        for name in pages:
            with Image.open(os.path.join(tmp, name)) as image:
                images.append(image.copy())
        return images


def decode_file(data, max_pages=3):
    """All QR payloads (bytes) found in a PNG/JPEG image or a PDF, in reading order."""
    if data[:5] == b'%PDF-':
        images = pdf_to_images(data, last_page=max_pages)
    else:
        try:
            image = Image.open(io.BytesIO(data))
            image.load()  # PIL opens lazily: a truncated file fails here
            images = [image]
        except Exception as error:  # PIL raises many kinds for non-images
            raise ScanError("the file is neither an image nor a PDF") from error
    payloads = []
    for image in images:
        payloads += _decode_image(image)
    return payloads
