"""Plasma Cash: each deposit is one indivisible coin with its own history, exited alone."""
