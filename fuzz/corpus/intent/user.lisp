;; User profiles: the root of the shop's dependency diamond.
(service user
  (version 3)
  (governance strict-codegen)

  (alias Email String)
  (enum Tier free vip)
  (type UserProfile
    (field id i32)
    (field display-name String)
    (field email Email)
    (field tier Tier))

  (rpc get-user
    (input Email)
    (output (option UserProfile)))

  (crud-gateway user-store
    (entity UserProfile)
    (key id)
    (ops create read update delete list))

  (mcp-tool lookup-user
    (doc "Find a user profile by email address")
    (input Email)
    (output (option UserProfile))))
