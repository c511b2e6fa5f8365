;; The shop: a small Rust universe used by the README, the demo and the tests.
;;
;;            catalog        user
;;                 \        /    \
;;                  order       auth
;;                      \      /
;;                      billing
;;
;; Changing user/UserProfile.id from i32 to String breaks auth, order and
;; billing, but not catalog.
(universe shop
  (services "services/*")
  (gates check clippy test)
  (max-repair-cycles 5)
  (sentinel-interval 30))
