"""The model core: features, wide & deep models, training, evaluation, export and serving.

No Django import anywhere in this package.
"""

import os

# TensorFlow's C++ start-up chatter (CPU features, oneDNN notes) is not for our users' logs;
# warnings and errors still show. Set before any submodule imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
