;; The product catalog. Nobody upstream; order reads products from here.
(service catalog
  (version 1)
  (governance newborn)

  (alias Sku String)
  (enum Category book gadget grocery)
  (type Product
    (field sku Sku)
    (field title String)
    (field category Category)
    (field price-cents i64))

  (crud-gateway product-store
    (entity Product)
    (key sku)
    (ops create read list))

  (pure-utility price-with-tax
    (arg price-cents i64)
    (arg rate-permille u32)
    (returns i64)))
