# Pure logic of munipay_pagopa (no ORM): notice numbers and the paForNode SOAP messages.
