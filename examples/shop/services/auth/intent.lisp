;; Sessions for signed-in users.
(service auth
  (version 2)
  (governance strict-codegen)
  (use user UserProfile Email)

  (type Session
    (field token String)
    (field user-id i32)
    (field email user/Email)
    (field expires-at i64))

  (rpc validate-session
    (input String)
    (output (option Session)))

  (state-machine session-flow
    (states anonymous active locked)
    (initial anonymous)
    (transition login anonymous active)
    (transition logout active anonymous)
    (transition lock active locked)
    (transition unlock locked anonymous))

  (pure-utility session-token
    (arg profile UserProfile)
    (arg issued-at i64)
    (returns String))

  (rpc-gateway user-client
    (calls user/get-user)))
