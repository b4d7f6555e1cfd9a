MODULE BenchHe42;

	IMPORT BenchTypes;

	PROCEDURE IncrList* (IN l: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i: INTEGER;
	BEGIN
		NEW(r, LEN(l));
		FOR i := 1 TO LEN(l) - 1 DO r[i] := l[i] + 1 END;
		RETURN r
	END IncrList;

END BenchHe42.
