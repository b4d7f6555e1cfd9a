MODULE BenchHe26;

	IMPORT BenchTypes;

	PROCEDURE Occurrences (IN numbers: ARRAY OF INTEGER; x: INTEGER): INTEGER;
		VAR i, count: INTEGER;
	BEGIN
		count := 0;
		FOR i := 0 TO LEN(numbers) - 1 DO
			IF numbers[i] = x THEN INC(count) END
		END;
		RETURN count
	END Occurrences;

	PROCEDURE RemoveDuplicates* (IN numbers: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i, n: INTEGER;
	BEGIN
		n := 0;
		FOR i := 0 TO LEN(numbers) - 1 DO
			IF Occurrences(numbers, numbers[i]) = 1 THEN INC(n) END
		END;
		IF n = 0 THEN RETURN NIL END;	(* BlackBox has no empty arrays *)
		NEW(r, n); n := 0;
		FOR i := 0 TO LEN(numbers) - 1 DO
			IF Occurrences(numbers, numbers[i]) = 1 THEN r[n] := numbers[i]; INC(n) END
		END;
		RETURN r
	END RemoveDuplicates;

END BenchHe26.
