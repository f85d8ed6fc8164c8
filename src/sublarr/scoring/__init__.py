"""Subtitle scoring: the SPEC weights, the pure score (``scores``), stored weights and
provider modifiers (``repo``) and the ``/scoring`` blueprint (``api``)."""
