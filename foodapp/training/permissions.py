"""The permissions that guard what is trained and what is served (declared on the models)."""

RETRAIN_PERMISSION = "training.retrain_model"
ACTIVATE_PERMISSION = "training.activate_modelversion"
EXPERIMENT_PERMISSION = "training.run_experiment"
