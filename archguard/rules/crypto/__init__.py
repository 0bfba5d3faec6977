"""AG505, AG506: weak cryptography and password storage."""
