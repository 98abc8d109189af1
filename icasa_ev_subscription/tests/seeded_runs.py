"""The loop of the random lifecycle tests: one seeded sequence per seed, each
from the same database (a savepoint rolled back), and a failing seed reported
with its steps and the ledger, readable as a reproduction."""

import random


def run_seeded_sequences(cr, seeds, run_sequence, dump):
    """Run ``run_sequence(random.Random(seed), steps)`` for each seed in a
    savepoint that is rolled back; on the first failure, raise an
    AssertionError with the seed, the steps taken and ``dump()``."""
    for seed in seeds:
        steps = []
        failure = None
        savepoint = cr.savepoint()
        try:
            run_sequence(random.Random(seed), steps)
        except Exception as error:  # reported below with the steps and the ledger
            failure = (error, dump())
        finally:
            # every sequence starts from the same database
            savepoint.close(rollback=True)
        if failure:
            error, ledger = failure
            script = "\n".join(f"  {i + 1:2}. {step}" for i, step in enumerate(steps))
            raise AssertionError(
                f"seed {seed} failed at step {len(steps)}: {error}\n{script}\nledger:\n{ledger}"
            ) from error
