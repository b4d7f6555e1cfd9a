MODULE BenchHe11;

	IMPORT BenchTypes;

	PROCEDURE StringXor* (IN a, b: ARRAY OF CHAR): BenchTypes.String;
		VAR r: BenchTypes.String; i, n: INTEGER;
	BEGIN
		n := LEN(a$);
		NEW(r, n + 1);
		FOR i := 0 TO n - 1 DO
			IF (a[i] = "1") OR (b[i] = "1") THEN r[i] := "1" ELSE r[i] := "0" END
		END;
		r[n] := 0X;
		RETURN r
	END StringXor;

END BenchHe11.
