MODULE BenchTextConcat;

	IMPORT TextModels;

	PROCEDURE Concat* (a, b: TextModels.Model): TextModels.Model;
	BEGIN
		RETURN TextModels.dir.New()
	END Concat;

END BenchTextConcat.
