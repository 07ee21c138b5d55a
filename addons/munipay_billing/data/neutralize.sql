-- a copy of the database must neither post payments to, nor log in at, the real billing systems
UPDATE munipay_billing_system
   SET active = false,
       username = NULL,
       password = NULL,
       api_key = NULL;
