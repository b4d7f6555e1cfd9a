MODULE BenchMetaApply;

	IMPORT Meta;

	PROCEDURE Apply* (IN path: ARRAY OF CHAR; x: REAL; OUT ok: BOOLEAN): REAL;
	BEGIN
		ok := FALSE;
		RETURN 0
	END Apply;

END BenchMetaApply.
