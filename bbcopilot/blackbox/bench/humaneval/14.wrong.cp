MODULE BenchHe14;

	IMPORT Strings, BenchTypes;

	PROCEDURE AllPrefixes* (IN string0: ARRAY OF CHAR): BenchTypes.StringList;
		VAR r: BenchTypes.StringList; i, n: INTEGER;
	BEGIN
		n := LEN(string0$);
		IF n = 0 THEN RETURN NIL END;
		NEW(r, n);
		FOR i := 0 TO n - 1 DO
			NEW(r[i], i + 1);
			Strings.Extract(string0, 0, i, r[i])
		END;
		RETURN r
	END AllPrefixes;

END BenchHe14.
