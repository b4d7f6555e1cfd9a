MODULE BenchMetaIntVar;

	IMPORT Meta;

	PROCEDURE IntVar* (IN path: ARRAY OF CHAR; OUT ok: BOOLEAN): INTEGER;
	BEGIN
		ok := FALSE;
		RETURN 0
	END IntVar;

END BenchMetaIntVar.
