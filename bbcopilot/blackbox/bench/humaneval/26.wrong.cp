MODULE BenchHe26;

	IMPORT BenchTypes;

	PROCEDURE SeenBefore (IN numbers: ARRAY OF INTEGER; i: INTEGER): BOOLEAN;
		VAR j: INTEGER;
	BEGIN
		j := 0;
		WHILE (j < i) & (numbers[j] # numbers[i]) DO INC(j) END;
		RETURN j < i
	END SeenBefore;

	PROCEDURE RemoveDuplicates* (IN numbers: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i, n: INTEGER;
	BEGIN
		n := 0;
		FOR i := 0 TO LEN(numbers) - 1 DO
			IF ~SeenBefore(numbers, i) THEN INC(n) END
		END;
		NEW(r, n); n := 0;
		FOR i := 0 TO LEN(numbers) - 1 DO
			IF ~SeenBefore(numbers, i) THEN r[n] := numbers[i]; INC(n) END
		END;
		RETURN r
	END RemoveDuplicates;

END BenchHe26.
