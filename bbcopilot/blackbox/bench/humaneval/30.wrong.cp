MODULE BenchHe30;

	IMPORT BenchTypes;

	PROCEDURE GetPositive* (IN l: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i, n: INTEGER;
	BEGIN
		n := 0;
		FOR i := 0 TO LEN(l) - 1 DO
			IF l[i] >= 0 THEN INC(n) END
		END;
		IF n = 0 THEN RETURN NIL END;	(* BlackBox has no empty arrays *)
		NEW(r, n); n := 0;
		FOR i := 0 TO LEN(l) - 1 DO
			IF l[i] >= 0 THEN r[n] := l[i]; INC(n) END
		END;
		RETURN r
	END GetPositive;

END BenchHe30.
