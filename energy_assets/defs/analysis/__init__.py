"""Analysis: EDA figures and findings, the ONNX decision, generated documents, alert sensors."""
