"""Bundle room: self-describing models (embedded contract) for mobile apps."""
