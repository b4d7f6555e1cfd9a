MODULE BenchTextTrim;

	IMPORT TextModels;

	PROCEDURE TrimLines* (t: TextModels.Model): INTEGER;
	BEGIN
		RETURN 0
	END TrimLines;

END BenchTextTrim.
