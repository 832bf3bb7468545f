"""Field encryption: AES-GCM with the key id stored beside each ciphertext (R-CARE-4)."""
