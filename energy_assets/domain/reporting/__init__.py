"""Reports for people: exploratory analysis (:mod:`.eda`), the generated ML Canvas and model cards
(:mod:`.documents`), the ONNX serving decision (:mod:`.onnx_export`) and SHAP explanations
(:mod:`.explain`)."""
