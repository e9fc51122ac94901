"""The parties of a Plasma deployment, each with its own store.

Payments environments:

- :mod:`reference.parties.operator`: the operator of one payments
  environment, with its mempool (:mod:`reference.parties.mempool`);
- :mod:`reference.parties.wallet`: a user's wallet, with the book of its
  payments that may be in flight (:mod:`reference.parties.payment_book`);
- :mod:`reference.parties.watcher`: the watcher of one payments environment,
  its alerts (:mod:`reference.parties.alerts`), and its in-flight duty for the
  wallets it guards (:mod:`reference.parties.in_flight_watch`, with the
  witnesses of :mod:`reference.parties.in_flight_witnesses`);
- :mod:`reference.parties.board`: what they share besides the settlement
  layer: the data-availability board, and an exit follower.

Plasma Cash environments:

- :mod:`reference.parties.coin_operator`: the operator of one Cash environment;
- :mod:`reference.parties.coin_wallet`: a user's coin wallet, keeping each
  coin's whole history with proofs (judged by :mod:`reference.parties.coin_history`);
- :mod:`reference.parties.coin_watcher`: the watcher of one coin wallet;
- :mod:`reference.parties.coin_board`: the board of Cash blocks' leaves, and
  a coin exit follower.
"""
