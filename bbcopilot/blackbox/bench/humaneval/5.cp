MODULE BenchHe5;

	IMPORT BenchTypes;

	PROCEDURE Intersperse* (IN numbers: ARRAY OF INTEGER; delimeter: INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i: INTEGER;
	BEGIN
		IF LEN(numbers) = 0 THEN RETURN NIL END;	(* BlackBox has no empty arrays *)
		NEW(r, 2 * LEN(numbers) - 1);
		r[0] := numbers[0];
		FOR i := 1 TO LEN(numbers) - 1 DO
			r[2 * i - 1] := delimeter; r[2 * i] := numbers[i]
		END;
		RETURN r
	END Intersperse;

END BenchHe5.
