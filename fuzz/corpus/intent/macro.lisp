(defmacro audited-entity (name &rest fields)
  `(type ,name (field created-at i64) ,@fields))
(service s (audited-entity A (field id i32)) (enum E a (b (map String (list i64)))) (doc "x\n\t\"y\"") :kw -12)
