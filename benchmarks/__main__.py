"""``python -m benchmarks [--quick] [--out FILE] [--only ITEMS] [--sobol]``."""

from benchmarks.harness import main

raise SystemExit(main())
