# Pure logic of munipay_documents (no ORM).
