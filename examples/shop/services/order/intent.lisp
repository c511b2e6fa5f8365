;; Orders placed by users for catalog products.
(service order
  (version 4)
  (governance strict-codegen)
  (use user UserProfile)
  (use catalog Sku)

  (type LineItem
    (field sku Sku)
    (field quantity u32)
    (field unit-cents i64))
  (type Order
    (field id u64)
    (field customer UserProfile)
    (field lines (list LineItem)))

  (crud-gateway order-store
    (entity Order)
    (key id)
    (ops create read list))

  (state-machine order-flow
    (states pending paid shipped cancelled)
    (initial pending)
    (transition pay pending paid)
    (transition ship paid shipped)
    (transition cancel pending cancelled))

  (event-listener user-registered
    (topic "user.registered")
    (payload user/UserProfile)))
