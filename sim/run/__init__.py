"""Running the model many times: seeds, designs, tasks, executors and the resumable runner.

* :mod:`sim.run.seeds` -- replication seeds from a root seed (SeedSequence.spawn)
* :mod:`sim.run.designs` -- grid / LHS / Sobol / Morris design points over dotted keys
* :mod:`sim.run.sweepfile` -- sweep files: validated base scenario, arms, design
* :mod:`sim.run.results` -- the compact result of one run (what workers return)
* :mod:`sim.run.tasks` -- what a worker runs
* :mod:`sim.run.executors` -- in-process, process pool (fork server) or Dask executors
* :mod:`sim.run.lifeline` -- the fork server dies with the process that started it
* :mod:`sim.run.stopping` -- Ctrl-C and SIGTERM stop a sweep cleanly, never lost
* :mod:`sim.run.runner` -- run tasks in chunks, survive crashed workers, resume a sweep
* :mod:`sim.run.progress` -- the progress bar
* :mod:`sim.run.targets` -- the calibration targets and their model statistics
* :mod:`sim.run.abc` -- simulation-based calibration: ABC rejection against the targets
"""
