(defmacro grow (&rest xs) `(grow ,@xs ,@xs))
(service s (grow a))
