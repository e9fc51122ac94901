"""The parties of a Plasma deployment, each with its own store.

- :mod:`reference.parties.operator`: the operator of one payments
  environment, with its mempool (:mod:`reference.parties.mempool`);
- :mod:`reference.parties.wallet`: a user's wallet;
- :mod:`reference.parties.watcher`: the watcher of one payments environment;
- :mod:`reference.parties.board`: what they share besides the settlement
  layer: the data-availability board, and an exit follower.
"""
