MODULE BenchHe9;

	IMPORT BenchTypes;

	PROCEDURE RollingMax* (IN numbers: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i: INTEGER;
	BEGIN
		NEW(r, LEN(numbers));
		FOR i := 0 TO LEN(numbers) - 1 DO
			IF i = 0 THEN r[i] := numbers[i] ELSE r[i] := MAX(numbers[i - 1], numbers[i]) END
		END;
		RETURN r
	END RollingMax;

END BenchHe9.
