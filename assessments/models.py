# Models of the assessments app.
