"""Reference implementation of Plasma (a persistent node); to come."""
