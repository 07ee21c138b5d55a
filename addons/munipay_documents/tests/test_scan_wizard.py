import base64
import io
import random
import struct
import zlib
from unittest.mock import patch

import qrcode
from PIL import Image

from odoo.tests import tagged

from ..lib import qr_payloads, scan
from ..wizard.munipay_verify_scan import RESULTS
from .common import IBAN, MunipayDocumentsCommon

SEED = 20260601


def tiny_pdf_with_a_huge_page():
    """A valid 331-byte PDF whose only page is 200 × 200 inches (5 × 5 m): 1.6 billion
    pixels at the 200 dpi the wizard reads PDFs with."""
    objects = [b'<</Type/Catalog/Pages 2 0 R>>', b'<</Type/Pages/Kids[3 0 R]/Count 1>>',
               b'<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400 14400]>>']
    head = b'%PDF-1.4\n%' + b'x' * 22 + b'\n'
    body, offsets = head, []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b'%d 0 obj%sendobj\n' % (number, obj)
    xref = len(body)
    body += b'xref\n0 4\n0000000000 65535 f \n' + b''.join(b'%010d 00000 n \n' % offset for offset in offsets)
    return body + b'trailer<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n' % xref


def png_header_only(width, height):
    """A PNG that claims a size: Pillow reads the size before any pixel."""
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(b'\x00' * 64)) + chunk(b'IEND', b''))


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format='PNG')
    return buffer.getvalue()


@tagged('post_install', '-at_install')
class TestScanWizard(MunipayDocumentsCommon):

    # ------------------------------------------------------------------ item 13: never sent elsewhere

    def test_unsigned_or_foreign_confirmation_cannot_be_verified_here(self):
        elsewhere = qr_payloads.confirmation_url('https://comune.example.org', 'R1', 'RF18539007547034', 100,
                                                 '2026-01-01T10:00:00', 'another secret')
        wizard = self.scan_wizard(text=elsewhere)
        self.assertEqual((wizard.result, wizard.signature_valid), ('unverifiable', False))
        self.assertIn('comune.example.org', wizard.host_warning)
        self.assertNotIn('comune.example.org', wizard.message, "the officer is not told to go there")
        self.assertEqual(dict(wizard._fields['result']._description_selection(self.env))[wizard.result],
                         "Cannot be verified here")

        unsigned = 'https://comune.example.org/munipay/verify/R1?r=&a=100&d=2026-01-01T10:00:00'
        wizard = self.scan_wizard(text=unsigned)
        self.assertEqual(wizard.result, 'unverifiable')
        self.assertIn('comune.example.org', wizard.host_warning)

        base = self.env['munipay.receipt'].get_base_url()
        disguised = elsewhere.replace('https://comune.example.org', 'https://%s@evil.example' % base.split('//')[1])
        wizard = self.scan_wizard(text=disguised)
        self.assertEqual(wizard.result, 'unverifiable')
        self.assertIn('evil.example', wizard.host_warning)

        # our own site with a wrong signature: forged, no host warning
        ours = elsewhere.replace('https://comune.example.org', base)
        wizard = self.scan_wizard(text=ours)
        self.assertEqual((wizard.result, wizard.host_warning), ('forged', False))

        # a genuine receipt whose code was re-pointed elsewhere: genuine, with the warning
        receipt = self.paid_order().receipt_ids
        moved = receipt.verify_url.replace(base, 'https://pay-here.example')
        wizard = self.scan_wizard(text=moved)
        self.assertEqual((wizard.result, wizard.receipt_id), ('receipt', receipt))
        self.assertIn('pay-here.example', wizard.host_warning)

    def test_trusted_hosts_are_a_setting(self):
        settings = self.env['res.config.settings'].create({'munipay_trusted_hosts': 'Comune.Example.org, old.example'})
        settings.execute()
        self.assertEqual(self.company.munipay_trusted_hosts, 'Comune.Example.org, old.example')
        self.assertIn('comune.example.org', self.company._munipay_trusted_hosts())
        elsewhere = qr_payloads.confirmation_url('https://comune.example.org', 'R1', 'RF18539007547034', 100,
                                                 '2026-01-01T10:00:00', 'another secret')
        wizard = self.scan_wizard(text=elsewhere)
        self.assertEqual((wizard.result, wizard.host_warning), ('forged', False))
        view = self.env['res.config.settings'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('munipay_trusted_hosts', view)

    # ------------------------------------------------------------------ item 21: title and words

    def test_wizard_keeps_its_title_and_shows_words(self):
        receipt = self.paid_order().receipt_ids
        wizard = self.env['munipay.verify.scan'].create({'text': receipt.verify_url})
        action = wizard.action_verify()
        self.assertEqual((action['name'], action['res_id'], action['target']), ("Verify by Scanning", wizard.id, 'new'))
        self.assertEqual(wizard._fields['standard'].type, 'selection')
        labels = dict(wizard._fields['standard']._description_selection(self.env))
        self.assertEqual(labels[wizard.standard], "munipay receipt confirmation")
        self.assertEqual(labels['epc'], "EPC069-12 (SEPA credit transfer)")
        self.assertEqual(wizard.receipt_state, 'valid')

    # ------------------------------------------------------------------ item 14: uploads

    def test_tiny_pdf_with_a_huge_page_is_unreadable_and_never_rasterised(self):
        pdf = tiny_pdf_with_a_huge_page()
        self.assertEqual(len(pdf), 331)
        with patch.object(scan.subprocess, 'run', wraps=scan.subprocess.run) as run:
            wizard = self.scan_wizard(image=base64.b64encode(pdf))
        self.assertEqual(wizard.result, 'unreadable')
        self.assertIn('too large', wizard.message)
        self.assertEqual([call.args[0][0] for call in run.call_args_list], ['pdfinfo'])

    def test_image_pixel_and_file_limits(self):
        # past Pillow's own decompression-bomb limit: its error is caught
        wizard = self.scan_wizard(image=base64.b64encode(png_header_only(100000, 100000)))
        self.assertEqual(wizard.result, 'unreadable')
        self.assertIn('too large', wizard.message)
        # under Pillow's limit but over munipay's
        wizard = self.scan_wizard(image=base64.b64encode(png_bytes(Image.new('1', (7000, 7000)))))
        self.assertEqual(wizard.result, 'unreadable')
        self.assertIn('7000', wizard.message)
        # the file size is capped before anything is decoded
        code = png_bytes(qrcode.make('hello'))
        with patch.object(scan, 'MAX_FILE_BYTES', len(code) - 1):
            wizard = self.scan_wizard(image=base64.b64encode(code))
        self.assertEqual(wizard.result, 'unreadable')
        self.assertIn('too large', wizard.message)
        self.assertEqual(self.scan_wizard(image=b'abc').result, 'unreadable')  # not even base64

    # ------------------------------------------------------------------ item 17: mutated input

    def test_nul_and_control_characters_get_an_answer(self):
        receipt = self.paid_order().receipt_ids
        order = self.make_order()
        epc = order._munipay_payment_qr_payload()
        for text in ('\x00', receipt.verify_url + '\x00', receipt.verify_url.replace('/verify/', '/verify/\x00'),
                     epc.replace('\n', '\n\x00', 2), '\x1b[31m' + epc, epc.replace('BCD', 'BCD\x07'),
                     '\x00'.join(order.payment_reference)):
            wizard = self.scan_wizard(text=text)
            self.assertIn(wizard.result, dict(RESULTS), repr(text))
            self.assertNotIn('\x00', wizard.payload or '')
            self.assertNotIn('\x00', wizard.text or '')
        wizard = self.env['munipay.verify.scan'].create({'text': 'x'})
        wizard.write({'text': receipt.verify_url + '\x00\x01'})
        wizard.action_verify()
        self.assertEqual(wizard.result, 'receipt', "a scanner's trailing control characters do not matter")

    def test_fuzzed_payloads_always_get_an_answer(self):
        receipt = self.paid_order().receipt_ids
        order = self.make_order()
        base = self.env['munipay.receipt'].get_base_url()
        sources = [receipt.verify_url, order._munipay_payment_qr_payload(), base + '/my/munipay/orders/%d' % order.id,
                   qr_payloads.encode_pagopa('301000000000000144', '80016340245', 100),
                   '1234563218|PL|92124012340001567890123456|001200|Gmina|%s|||' % order.payment_reference,
                   'ST00012|Name=x|PersonalAcc=40702810138250123017|BankName=b|BIC=044525225'
                   '|CorrespAcc=30101810400000000225|Sum=2221|Purpose=%s' % order.payment_reference]
        nasty = ['\x00', '\x01', '\x1b', '\x7f', '\r', '\n', '\t', '|', '[', ']', '%', '%00', '@', '/', '?', '#', 'é',
                 '\ufeff', '9' * 12]
        rng = random.Random(SEED)
        seen = set()
        for _index in range(120):
            text = rng.choice(sources)
            for _step in range(rng.randint(1, 3)):
                position = rng.randint(0, len(text))
                piece = rng.choice(nasty) if rng.random() < 0.8 else chr(rng.randrange(1, 0x2000))
                kind = rng.random()
                if kind < 0.4:
                    text = text[:position] + piece + text[position:]
                elif kind < 0.7:
                    text = text[:position] + piece + text[position + 1:]
                else:
                    text = text[:position] + text[position + rng.randint(1, 6):]
            wizard = self.scan_wizard(text=text)
            self.assertIn(wizard.result, dict(RESULTS), repr(text))
            seen.add(wizard.result)
        self.assertGreaterEqual(len(seen), 3)
        # damaged images and PDFs
        good = png_bytes(qrcode.make(receipt.verify_url))
        notice = self.render_pdf('munipay_documents.action_report_payment_notice', order)
        for _index in range(12):
            data = bytearray(rng.choice([good, notice]))
            for _flip in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data[:rng.randint(8, len(data))])
            self.assertIn(self.scan_wizard(image=base64.b64encode(data)).result, dict(RESULTS))
        self.assertEqual(self.scan_wizard(image=base64.b64encode(good)).result, 'receipt')
        self.assertEqual(self.scan_wizard(text=IBAN).result, 'unsupported')
