MODULE BenchTextWords;

	IMPORT TextModels;

	PROCEDURE CountWords* (t: TextModels.Model): INTEGER;
	BEGIN
		RETURN 0
	END CountWords;

END BenchTextWords.
