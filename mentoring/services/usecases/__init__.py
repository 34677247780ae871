"""Use cases: each public function is one transaction (services.unit_of_work), committed at its end."""
