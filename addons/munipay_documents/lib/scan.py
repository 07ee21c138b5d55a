"""Reading QR codes back from images and PDFs (pyzbar; poppler's pdfinfo and pdftoppm for PDFs).

No ORM: used by the verification wizard and by the tests that check printed documents.
Uploads are untrusted: the file size, the PDF page size (before rasterising) and the
image size in pixels (Pillow's decompression-bomb limit, and a lower one of our own)
are checked, and every failure is a ScanError with a reason.
"""
import io
import math
import os
import re
import shutil
import subprocess
import tempfile
import warnings

from PIL import Image
from pyzbar import pyzbar

MAX_FILE_BYTES = 10 * 1024 * 1024
# An A4 page at 300 dpi has 8.7 million pixels; Pillow's own limit is about 89 million.
MAX_PIXELS = 40_000_000
PDF_DPI = 200
MAX_PAGES = 3
# pdftoppm never renders a slice larger than this (a second line of defence after the page-size check)
_MAX_SIDE = 8000
_PAGE_SIZE = re.compile(r'^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts', re.MULTILINE)


class ScanError(ValueError):
    pass


def _decode_image(image):
    symbols = pyzbar.decode(image.convert('L'))
    return [symbol.data for symbol in symbols if symbol.type == 'QRCODE']


def open_image(source):
    """Open an image (bytes or a path) with its pixel count checked before it is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter('error', Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ScanError("the image is too large to read") from error
        except Exception as error:  # PIL raises many kinds for non-images
            raise ScanError("the file is neither an image nor a PDF") from error
        if image.width * image.height > MAX_PIXELS:
            raise ScanError("the image is too large to read (%d × %d pixels)" % (image.width, image.height))
        try:
            image.load()  # PIL opens lazily: a truncated file fails here
        except Exception as error:
            raise ScanError("the image is damaged") from error
    return image


def _run(command, timeout):
    try:
        return subprocess.run(command, check=True, timeout=timeout, capture_output=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise ScanError("the PDF cannot be read") from error


def pdf_page_sizes(path, last_page):
    """[(page, width pt, height pt)] of the first pages, read by pdfinfo without rendering."""
    output = _run(['pdfinfo', '-f', '1', '-l', str(last_page), path], timeout=30).stdout.decode('latin-1')
    return [(int(page), float(width), float(height)) for page, width, height in _PAGE_SIZE.findall(output)]


def pdf_to_images(pdf_bytes, dpi=PDF_DPI, first_page=None, last_page=None):
    """Rasterise a PDF into PIL images (needs poppler's pdfinfo and pdftoppm).

    Pages that would exceed MAX_PIXELS at ``dpi`` are refused before anything is rendered.
    """
    if not (shutil.which('pdftoppm') and shutil.which('pdfinfo')):
        raise ScanError("pdftoppm and pdfinfo (poppler-utils) are needed to read PDF files")
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, 'in.pdf')
        with open(source, 'wb') as handle:
            handle.write(pdf_bytes)
        sizes = pdf_page_sizes(source, last_page or MAX_PAGES)
        if not sizes:
            raise ScanError("the PDF has no readable page")
        for page, width, height in sizes:
            pixels = math.ceil(width / 72 * dpi) * math.ceil(height / 72 * dpi)
            if (first_page or 1) <= page and pixels > MAX_PIXELS:
                raise ScanError("page %d is too large to read (%d × %d mm)"
                                % (page, round(width / 72 * 25.4), round(height / 72 * 25.4)))
        command = ['pdftoppm', '-r', str(dpi), '-png', '-x', '0', '-y', '0', '-W', str(_MAX_SIDE), '-H', str(_MAX_SIDE)]
        if first_page:
            command += ['-f', str(first_page)]
        if last_page:
            command += ['-l', str(last_page)]
        _run(command + [source, os.path.join(tmp, 'page')], timeout=120)
        images = []
        for name in sorted(name for name in os.listdir(tmp) if name.startswith('page')):
            with open_image(os.path.join(tmp, name)) as image:
                images.append(image.copy())
        return images


def decode_file(data, max_pages=MAX_PAGES):
    """All QR payloads (bytes) found in a PNG/JPEG image or a PDF, in reading order."""
    if len(data) > MAX_FILE_BYTES:
        raise ScanError("the file is too large (%.1f MB, at most %d MB)"
                        % (len(data) / 1024 / 1024, MAX_FILE_BYTES // 1024 // 1024))
    if data[:5] == b'%PDF-':
        images = pdf_to_images(data, last_page=max_pages)
    else:
        images = [open_image(data)]
    payloads = []
    for image in images:
        payloads += _decode_image(image)
    return payloads
