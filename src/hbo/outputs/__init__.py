"""What a run leaves behind: atomic files and state, the run log, plots, and paired comparisons of runs."""
