"""What state a run is in (``Trainer.status``): training, or done because it finished its
steps, diverged or stopped early."""

TRAINING, FINISHED, DIVERGED, EARLY_STOPPED = "training", "finished", "diverged", "early stopped"
