"""The payments execution environment: UTXO payments in several tokens."""
