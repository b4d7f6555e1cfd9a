MODULE BenchTextReplace;

	IMPORT TextModels;

	PROCEDURE ReplaceAll* (t: TextModels.Model; IN old, new: ARRAY OF CHAR): INTEGER;
	BEGIN
		RETURN 0
	END ReplaceAll;

END BenchTextReplace.
