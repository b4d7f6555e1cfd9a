MODULE BenchHe25;

	IMPORT BenchTypes;

	PROCEDURE Factorize* (n: INTEGER): BenchTypes.IntList;
		VAR factors: ARRAY 32 OF INTEGER; r: BenchTypes.IntList; d, count, i: INTEGER;
	BEGIN
		count := 0; d := 2;
		WHILE d * d < n DO
			WHILE n MOD d = 0 DO factors[count] := d; INC(count); n := n DIV d END;
			INC(d)
		END;
		IF n > 1 THEN factors[count] := n; INC(count) END;
		IF count = 0 THEN RETURN NIL END;
		NEW(r, count);
		FOR i := 0 TO count - 1 DO r[i] := factors[i] END;
		RETURN r
	END Factorize;

END BenchHe25.
