"""The model core: features, wide & deep models, training, evaluation, export and serving.

No Django import anywhere in this package.
"""
