"""What the pipeline publishes for the API besides the champion bundles: the serving readings."""
