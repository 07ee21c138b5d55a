"""What a merchant's till, a kiosk and a receipt may show of a wallet. Nothing here touches the database."""

VISIBLE_DIGITS = 4


def mask_pan(pan):
    """'1234567897' -> '******7897': enough to tell two wallets of one beneficiary apart
    on the screen and the receipt, not enough to top up or look up someone else's."""
    pan = (pan or '').strip()
    if len(pan) <= VISIBLE_DIGITS:
        return '*' * len(pan)
    return '*' * (len(pan) - VISIBLE_DIGITS) + pan[-VISIBLE_DIGITS:]
