"""Settings split by purpose: base, local (default), production and test."""
