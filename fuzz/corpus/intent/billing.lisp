;; Invoices: the bottom of the diamond (auth and order both depend on user).
(service billing
  (version 2)
  (governance survival-patching)
  (depends-on auth order)
  (use order Order)
  (use user Tier)

  (type Invoice
    (field number String)
    (field order-id u64)
    (field customer-id i32)
    (field total-cents i64)
    (field notes (map String String)))

  (domain-engine pricing
    (input Order)
    (output Invoice)
    (rule subtotal "sum of quantity times unit price over the order's lines")
    (rule loyalty "vip customers get ten percent off"))

  (cron-worker nightly-invoices
    (schedule "0 2 * * *"))

  (rpc-gateway session-client
    (calls auth/validate-session))

  (bootstrap
    (provide clock Clock)
    (provide pricing PricingRules)))
