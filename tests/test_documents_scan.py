"""Untrusted uploads (munipay_documents/lib/scan.py): limits are checked before decoding."""
import io
import struct
import subprocess
import zlib
from unittest import mock

import pytest
from PIL import Image

from conftest import load_lib


@pytest.fixture(scope='module')
def scan():
    return load_lib('munipay_documents', 'scan')


def tiny_pdf(media_box=b'0 0 14400 14400'):
    objects = [b'<</Type/Catalog/Pages 2 0 R>>', b'<</Type/Pages/Kids[3 0 R]/Count 1>>',
               b'<</Type/Page/Parent 2 0 R/MediaBox[' + media_box + b']>>']
    body, offsets = b'%PDF-1.4\n', []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b'%d 0 obj%sendobj\n' % (number, obj)
    xref = len(body)
    body += b'xref\n0 4\n0000000000 65535 f \n' + b''.join(b'%010d 00000 n \n' % offset for offset in offsets)
    return body + b'trailer<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n' % xref


def png_claiming(width, height):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(b'\x00' * 64)) + chunk(b'IEND', b''))


def test_huge_pdf_page_refused_before_rasterising(scan):
    with mock.patch.object(scan.subprocess, 'run', wraps=subprocess.run) as run:
        with pytest.raises(scan.ScanError, match='too large'):
            scan.decode_file(tiny_pdf())
    assert [call.args[0][0] for call in run.call_args_list] == ['pdfinfo']


def test_a4_pdf_page_is_rendered(scan):
    images = scan.pdf_to_images(tiny_pdf(b'0 0 595 842'))
    assert [image.size for image in images] == [(1653, 2339)]  # A4 at 200 dpi, as without the -W/-H bound


def test_pillow_bomb_error_is_caught(scan):
    with pytest.raises(scan.ScanError, match='too large'):
        scan.decode_file(png_claiming(100000, 100000))  # Pillow's DecompressionBombError
    with pytest.raises(scan.ScanError, match='too large'):
        scan.decode_file(png_claiming(10000, 9000))  # Pillow's warning, raised as an error here


def test_own_pixel_limit_below_pillows(scan):
    buffer = io.BytesIO()
    Image.new('1', (7000, 7000)).save(buffer, format='PNG')
    assert 7000 * 7000 < Image.MAX_IMAGE_PIXELS
    with pytest.raises(scan.ScanError, match='7000'):
        scan.decode_file(buffer.getvalue())


def test_file_size_cap(scan):
    with pytest.raises(scan.ScanError, match='too large'):
        scan.decode_file(b'\x89PNG' + b'\x00' * scan.MAX_FILE_BYTES)


@pytest.mark.parametrize('data', [b'', b'not an image', b'%PDF-1.4 garbage', b'\x89PNG\r\n\x1a\n', png_claiming(10, 10)[:40]])
def test_junk_is_a_scan_error(scan, data):
    with pytest.raises(scan.ScanError):
        scan.decode_file(data)
