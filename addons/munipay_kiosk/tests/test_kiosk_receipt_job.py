from odoo.tests import tagged

from .common import MunipayKioskCommon


@tagged('post_install', '-at_install')
class TestKioskReceiptJob(MunipayKioskCommon):
    """The answer of a booking carries the receipt printer's job (the bridge's POST
    /v1/printer/receipt body): 42 columns, the kiosk's language, printed once per key,
    with the signed confirmation QR only once the order is paid in full."""

    def texts(self, job):
        return [line['text'] if isinstance(line, dict) else line for line in job['lines']]

    def assertFits(self, job):
        self.assertTrue(all(len(text) <= 42 for text in self.texts(job)), self.texts(job))

    def test_paid_order_receipt_with_the_signed_qr(self):
        order = self.make_order(amount=30.0)
        key = self.new_key()
        job = self.book(key, order, [2000, 1000])['receipt_job']
        self.assertFits(job)
        self.assertEqual((job['receipt_id'], job['cut']), (key, True))
        receipt = order.receipt_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual(job['qr']['payload'], receipt.verify_url, "the receipt's signed verification link")
        text = '\n'.join(self.texts(job))
        for expected in (self.company.name, 'Kiosk receipt', 'Kiosk 1', order.name, order.payment_reference,
                         'M. R.', receipt.name, 'is paid'):
            self.assertIn(expected, text)
        self.assertNotIn('Rossi', text)
        inserted = next(t for t in self.texts(job) if t.startswith('Inserted'))
        self.assertTrue(inserted.endswith(self.company.currency_id.format(30.0).replace('\xa0', ' ')), inserted)
        self.assertEqual(len(inserted), 42)
        self.assertNotIn('Credited', text)

    def test_excess_is_printed_as_credited_no_change(self):
        job = self.book(self.new_key(), self.make_order(), [2000, 1000])['receipt_job']
        self.assertFits(job)
        text = '\n'.join(self.texts(job))
        self.assertIn('no change given', text)
        credited = [line for line in job['lines'] if isinstance(line, dict) and '7.79' in line['text']]
        self.assertTrue(credited and credited[0]['bold'], "the credited amount stands out")
        self.assertIn('qr', job)

    def test_part_payment_has_no_qr(self):
        job = self.book(self.new_key(), self.make_order(), [1000], due=2221)['receipt_job']
        self.assertNotIn('qr', job)
        self.assertIn('printed once the order is paid in full', ' '.join(self.texts(job)))

    def test_in_the_kiosk_language(self):
        self.env['res.lang']._activate_lang('de_DE')
        job = self.book(self.new_key(), self.make_order(amount=30.0), [2000, 1000], lang='de_DE')['receipt_job']
        text = '\n'.join(self.texts(job))
        self.assertIn('Kioskbeleg', text)
        self.assertIn('Eingezahlt', text)
        self.assertFits(job)
