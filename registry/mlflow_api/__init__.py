"""The MLflow-compatible model-registry REST API (/api/2.0/mlflow/): a second door onto the same registry."""
