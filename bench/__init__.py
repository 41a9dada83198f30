"""`make bench`: load a large data set and measure the site under production settings (bench/run.py)."""
