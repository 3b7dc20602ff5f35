"""Statistics on a study's count table or answers: scores, intervals, exact tests, pairings, sensitivity, indices,
comparisons, claims ledger, microdata, cohorts. Functions are named for what they return."""
