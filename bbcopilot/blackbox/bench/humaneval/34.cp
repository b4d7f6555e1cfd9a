MODULE BenchHe34;

	IMPORT BenchTypes;

	PROCEDURE Unique* (IN l: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR sorted, r: BenchTypes.IntList; i, j, n, x: INTEGER;
	BEGIN
		NEW(sorted, LEN(l));
		FOR i := 0 TO LEN(l) - 1 DO	(* insertion sort *)
			x := l[i]; j := i;
			WHILE (j > 0) & (sorted[j - 1] > x) DO sorted[j] := sorted[j - 1]; DEC(j) END;
			sorted[j] := x
		END;
		n := 0;
		FOR i := 0 TO LEN(l) - 1 DO
			IF (i = 0) OR (sorted[i] # sorted[i - 1]) THEN sorted[n] := sorted[i]; INC(n) END
		END;
		NEW(r, n);
		FOR i := 0 TO n - 1 DO r[i] := sorted[i] END;
		RETURN r
	END Unique;

END BenchHe34.
