"""The scandium market: supply stack, demand by application and the price path (see :mod:`.model`)."""
