MODULE BenchHe5;

	IMPORT BenchTypes;

	PROCEDURE Intersperse* (IN numbers: ARRAY OF INTEGER; delimeter: INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i: INTEGER;
	BEGIN
		NEW(r, 2 * LEN(numbers));
		FOR i := 0 TO LEN(numbers) - 1 DO
			r[2 * i] := numbers[i]; r[2 * i + 1] := delimeter
		END;
		RETURN r
	END Intersperse;

END BenchHe5.
