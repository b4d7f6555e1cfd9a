MODULE BenchFileSave;

	IMPORT Files;

	PROCEDURE Save* (IN name, text: ARRAY OF CHAR): BOOLEAN;
	BEGIN
		RETURN FALSE
	END Save;

END BenchFileSave.
