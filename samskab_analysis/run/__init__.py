"""Running machinery: the processed tables, the parallel incremental runner, its engines, progress and report."""
