MODULE BenchHe62;

	IMPORT BenchTypes;

	PROCEDURE Derivative* (IN xs: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i: INTEGER;
	BEGIN
		IF LEN(xs) <= 1 THEN RETURN NIL END;	(* a constant; BlackBox has no empty arrays *)
		NEW(r, LEN(xs) - 1);
		FOR i := 1 TO LEN(xs) - 1 DO r[i - 1] := (i - 1) * xs[i] END;
		RETURN r
	END Derivative;

END BenchHe62.
