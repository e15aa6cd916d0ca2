"""One manifest: read it (the Document), see it (the View), mean it (the model), write it."""
