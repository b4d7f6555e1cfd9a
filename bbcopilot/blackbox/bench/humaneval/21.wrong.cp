MODULE BenchHe21;

	IMPORT BenchTypes;

	PROCEDURE RescaleToUnit* (IN numbers: ARRAY OF REAL): BenchTypes.RealList;
		VAR r: BenchTypes.RealList; i: INTEGER; min, max: REAL;
	BEGIN
		min := numbers[0]; max := numbers[0];
		FOR i := 1 TO LEN(numbers) - 1 DO
			min := MIN(min, numbers[i]); max := MAX(max, numbers[i])
		END;
		NEW(r, LEN(numbers));
		FOR i := 0 TO LEN(numbers) - 1 DO r[i] := (numbers[i] - min) / max END;
		RETURN r
	END RescaleToUnit;

END BenchHe21.
