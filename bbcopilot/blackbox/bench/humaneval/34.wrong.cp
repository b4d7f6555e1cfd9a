MODULE BenchHe34;

	IMPORT BenchTypes;

	PROCEDURE Unique* (IN l: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i, j, n, x: INTEGER;
	BEGIN
		NEW(r, LEN(l)); n := 0;
		FOR i := 0 TO LEN(l) - 1 DO
			IF (i = 0) OR (l[i] # l[i - 1]) THEN
				x := l[i]; j := n;
				WHILE (j > 0) & (r[j - 1] > x) DO r[j] := r[j - 1]; DEC(j) END;
				r[j] := x; INC(n)
			END
		END;
		RETURN r
	END Unique;

END BenchHe34.
